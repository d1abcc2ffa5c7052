"""A supervisor's alert is a new mail to their address, not a reply in a customer's thread."""

from __future__ import annotations

from pathlib import Path

from gateway.settings import load_settings
from tests.channels.email.conftest import SUPPORT, SmtpSink
from tests.conftest import running_gateway

INJURY = (
    "The heater you sold me caught fire and burned my son's hand, we spent the night in "
    "hospital. I am reporting this to the regulator and the press."
)
SUPERVISOR = "duty.supervisor@shop.test"


async def test_a_major_complaint_mails_the_supervisor_a_new_mail(
    data_dir: Path, smtp_sink: SmtpSink
) -> None:
    settings = load_settings(
        data_dir=data_dir,
        email_smtp_url=smtp_sink.url,
        email_from=SUPPORT,
        email_timeout_seconds=5,
        outbox_base_delay_seconds=0.2,
    )
    async with running_gateway(settings) as live:
        async with live.http.put(
            f"{live.url}/api/v1/admin/policy",
            json={"supervisors": {"duty": {"email": SUPERVISOR}}},
            headers=live.auth("admin"),
        ) as resp:
            assert resp.status == 200, await resp.text()
        # The customer wrote through the API: there is no mail thread to reply in.
        result = await live.complain(INJURY)
        number = result["ticket"]["number"]

        (mail,) = await smtp_sink.wait_for(1)
        assert mail["To"] == SUPERVISOR
        assert mail["From"] == SUPPORT
        assert mail["Subject"].startswith(f"Major complaint {number}")
        assert mail["In-Reply-To"] is None and mail["References"] is None
        assert mail["Auto-Submitted"] == "auto-generated"
        assert number in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]

        outbox = await live.database.read(
            lambda conn: conn.exec_driver_sql(
                "SELECT status FROM outbox WHERE kind = 'supervisor_alert'"
            ).all()
        )
        assert [row.status for row in outbox] == ["sent"]
