"""Rule and legal grounds recorded on events.

The Center runs the scheme under its own grant rules; the national subsidy act
(補助金等に係る予算の執行の適正化に関する法律, 適正化法) is the model every grant officer knows,
so each ground names the article of that act the step corresponds to.
"""

from __future__ import annotations

APPLICATION = "適正化法第5条（補助金等の交付の申請）準拠"
GRANT_DECISION = "適正化法第6条（補助金等の交付の決定）準拠"
WITHDRAWAL = "適正化法第9条（申請の取下げ）準拠"
APPLICATION_WITHDRAWAL = "実施要領: 交付決定前の申請の取下げ"
RETURN_FOR_REVISION = "審査要領: 申請書の補正のための差戻し"
AMENDMENT = "適正化法第7条第1項第1号（内容・経費配分の変更の承認）準拠"
REVOCATION = "適正化法第17条（決定の取消）準拠"
PLAN_EXCEPTION = "実施要領: アクションプランの期間（原則5年以上）の例外"
SCHEME_CHANGE = "実施要領: 助成事業の要件の改定"
AGREEMENT = "人材育成に関する連携協定"
CONFLICT_OF_INTEREST = "審査要領: 利害関係者の審査からの除外"
ADVANCE = "会計法第22条準拠: 概算払（交付決定額の範囲内）"
REPORT = "適正化法第14条（実績報告）準拠"
DETERMINATION = "適正化法第15条（補助金等の額の確定）準拠"
SETTLEMENT = "適正化法第15条準拠: 確定額による精算払"
REPAYMENT_ORDER = "適正化法第18条第2項（確定額を超える交付額の返還）準拠"
REVOCATION_REPAYMENT = "適正化法第18条第1項（取消に伴う返還）・第19条第1項（加算金）準拠"
REPAYMENT = "適正化法第19条（加算金及び延滞金）準拠: 元本から充当"
BUDGET = "予算執行: 年度予算の範囲内での交付決定"
