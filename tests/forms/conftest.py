from tests.resumption.conftest import n0  # noqa: F401 - the N0 preset in force for the tests here
