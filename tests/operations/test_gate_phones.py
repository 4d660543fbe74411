"""The gate's visitors and drivers: their phones in full for the firm's officer and the town, masked for
the gate keeper who wrote them down and for every other officer (issue 11)."""

import pytest

from fugong.operations import services
from tests.operations.test_gate import n0, vehicle_data, visitor_data  # noqa: F401 - n0 is a fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who, full",
    [("ent_a", True), ("town_a", True), ("gate_a", False), ("grid_a", False), ("task_force", False)],
)
def test_visitor_and_driver_phones_by_role(n0, api_client, who, full):  # noqa: F811
    gate = n0.users["gate_a"]
    visitor = services.record_visitor(gate, n0.firm_a, **visitor_data(phone="13800001111"))
    vehicle = services.record_vehicle(gate, n0.firm_a, **vehicle_data(driver_phone="13800002222"))
    api_client.force_authenticate(n0.users[who])
    visitor_row = api_client.get(f"/api/v1/gate-visitors/{visitor.pk}/").json()
    vehicle_row = api_client.get(f"/api/v1/gate-vehicles/{vehicle.pk}/").json()
    assert visitor_row["phone"] == ("13800001111" if full else "138****1111")
    assert vehicle_row["driver_phone"] == ("13800002222" if full else "138****2222")
