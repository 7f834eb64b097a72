"""Who may have a report written on demand: the district admin and the leaders."""

from roads.errors import Forbidden, Unauthorized
from roads.users import User

WRITERS = ("district_admin", "leader")


def require_report_writer(user: User | None) -> User:
    if user is None:
        raise Unauthorized("sign in first: writing a report needs a district admin or a leader",
                           "请先登录：生成报告需要区级管理员或领导账号")
    if user.role not in WRITERS:
        raise Forbidden(f"user {user.username} may not write reports (role {user.role})",
                        f"用户 {user.username} 无权生成报告：需要区级管理员或领导账号")
    return user
