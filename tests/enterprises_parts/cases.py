"""Valid input for each kind, as the API takes it and as the pages post it."""

from fugong.enterprises.models import (
    CanteenSitting,
    DormRoom,
    GatePoint,
    GridUnit,
    IsolationRoom,
    PreventionTeamMember,
    ShuttleRoute,
    Zone,
)

# page slug → (model, API route, valid new row, one field to change and its new value)
KINDS = {
    "prevention-team": (
        PreventionTeamMember,
        "prevention-team",
        {
            "name": "李四",
            "team_role": "member",
            "position": "人事经理",
            "phone": "13912345678",
            "duties": "测温登记",
        },
        ("duties", "返岗人员排查"),
    ),
    "zones": (
        Zone,
        "enterprise-zones",
        {"kind": "living", "name": "宿舍区", "description": "东侧"},
        ("name", "生活区"),
    ),
    "grid-units": (
        GridUnit,
        "grid-units",
        {"level": "workshop", "parent": None, "name": "二车间", "leader": "赵六", "zone": None},
        ("leader", "孙七"),
    ),
    "dorm-rooms": (
        DormRoom,
        "dorm-rooms",
        {"building": "2号楼", "number": "201", "capacity": 6, "area_m2": "18.00"},
        ("capacity", 5),
    ),
    "canteen-sittings": (
        CanteenSitting,
        "canteen-sittings",
        {"canteen": "一号食堂", "name": "第二批", "starts_at": "11:40", "ends_at": "12:10", "seats": 40},
        ("seats", 36),
    ),
    "shuttle-routes": (
        ShuttleRoute,
        "shuttle-routes",
        {
            "name": "枫桥线",
            "vehicle_plate": "浙DD12345",
            "driver_name": "钱师傅",
            "driver_phone": "13700000001",
            "supervisor_name": "周八",
            "seats": 19,
            "route": "枫桥—厂区",
        },
        ("route", "枫桥—次坞—厂区"),
    ),
    "isolation-rooms": (
        IsolationRoom,
        "isolation-rooms",
        {"kind": "observation_point", "name": "固定观察点", "location": "北楼一层", "capacity": 3},
        ("capacity", 4),
    ),
    "gates": (GatePoint, "gates", {"name": "西门", "location": "西侧"}, ("location", "西侧物流口")),
}


def form_data(payload: dict) -> dict:
    """The same row as a browser posts it: empty strings for nothing, ids for links."""
    out = {}
    for key, value in payload.items():
        if value is None:
            out[key] = ""
        elif hasattr(value, "pk"):
            out[key] = value.pk
        elif hasattr(value, "strftime") and not hasattr(value, "year"):
            out[key] = value.strftime("%H:%M")
        else:
            out[key] = value
    return out
