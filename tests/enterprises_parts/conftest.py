import pytest

from tests.enterprises_parts.factories import firm_with_parts


@pytest.fixture
def parts(world):
    """One of each part in firm_a and in the foreign firm_c."""
    return {"a": firm_with_parts(world.firm_a), "c": firm_with_parts(world.firm_c)}
