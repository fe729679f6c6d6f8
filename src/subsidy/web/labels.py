"""Labels of the values the engine and the read models return: statuses, roles, events and
the Action Plan's enumerations, in Japanese, then English.
"""

from __future__ import annotations

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "draft": ("下書き", "Draft"),
    "submitted": ("提出済み", "Submitted"),
    "under_review": ("審査中", "Under review"),
    "approved": ("交付決定", "Approved"),
    "rejected": ("不採択", "Rejected"),
    "returned": ("差戻し", "Returned"),
    "withdrawn": ("取下げ", "Withdrawn"),
    "in_force": ("有効", "In force"),
    "revoked": ("取消", "Revoked"),
}

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "administrator": ("管理者", "Administrator"),
    "applicant": ("申請団体", "Applicant"),
    "reviewer": ("審査員", "Reviewer"),
    "approver": ("決裁者", "Approver"),
    "finance": ("経理", "Finance"),
    "auditor": ("監査", "Auditor"),
    "system": ("システム", "System"),
}

EVENT_LABELS: dict[str, tuple[str, str]] = {
    "Drafted": ("下書き作成", "Drafted"),
    "DraftUpdated": ("下書き修正", "Draft updated"),
    "Submitted": ("提出", "Submitted"),
    "Resubmitted": ("再提出", "Resubmitted"),
    "ReviewerAssigned": ("審査員割当", "Reviewer assigned"),
    "ReviewRecorded": ("審査記録", "Review recorded"),
    "Approved": ("交付決定", "Approved"),
    "Rejected": ("不採択決定", "Rejected"),
    "Returned": ("差戻し", "Returned"),
    "Withdrawn": ("取下げ", "Withdrawn"),
    "Granted": ("交付決定通知", "Granted"),
    "Amended": ("変更承認", "Amended"),
    "Revoked": ("交付決定取消", "Revoked"),
}

PLAN_LABELS: dict[str, tuple[str, str]] = {
    "regional_leader": ("地域リーダー", "Regional leader"),
    "project_leader": ("プロジェクトリーダー", "Project leader"),
    "player": ("プレイヤー", "Player"),
    "local_government_staff": ("地方公共団体職員", "Local government staff"),
    "residents": ("地域住民", "Residents"),
    "related_bodies": ("関係団体の職員", "Staff of related bodies"),
    "companies": ("企業の職員", "Company staff"),
    "basic_qualities": ("基礎的資質の向上", "Basic qualities"),
    "problem_solving": ("問題発見・解決能力の向上", "Problem solving"),
    "economic_cycle_analysis": ("地域経済循環構造の分析", "Regional economic cycle analysis"),
    "other": ("その他", "Other"),
    "on_site": ("現地での研修会", "On site"),
    "online": ("オンライン", "Online"),
    "archive": ("アーカイブ配信", "Recorded"),
    "center_seminar": ("地方創生セミナー", "Center seminar"),
    "center_practice_school": ("地方創生実践塾", "Center practice school"),
    "leader_academy": ("全国地域リーダー養成塾", "Leader academy"),
    "subscription": ("地域力創造大学校", "Subscription"),
}
