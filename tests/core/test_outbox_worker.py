"""The outbox worker (`outbox send --loop`) outlives a database outage; a single run does not hide one."""

from sqlalchemy.exc import OperationalError

from eventapp.core import outbox_cli
from eventapp.core.outbox import DeliveryReport


def _outage_then(reports):
    """A send_due whose first call finds the database gone, then returns `reports` one by one."""
    calls = []

    def send_due(**_):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        return reports.pop(0)

    return send_due, calls


def test_the_worker_waits_out_a_database_outage_and_goes_on_sending(app, monkeypatch):
    send_due, calls = _outage_then([DeliveryReport(sent=2), DeliveryReport()])
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 2:  # after the outage's wait and one idle wait: stop the worker like Ctrl-C
            raise KeyboardInterrupt

    monkeypatch.setattr(outbox_cli, "send_due", send_due)
    monkeypatch.setattr(outbox_cli.time, "sleep", sleep)
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--loop", "--interval", "3"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 3 and waits == [3, 3]
    assert "2 sent" in result.output


def test_a_single_run_reports_the_outage(app, monkeypatch):
    send_due, _ = _outage_then([])
    monkeypatch.setattr(outbox_cli, "send_due", send_due)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code != 0 and isinstance(result.exception, OperationalError)
