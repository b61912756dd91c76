"""What happens when a code is scanned at the door.

A phone posts `{"code", "event", "client_id", "scanned_at"}` to `POST /api/v1/checkin/scan/` (or up to 1,000
scans made offline to `POST /api/v1/checkin/batch/`), and then:

1. endpoint.py   ScanView validates the body, reads everything in one statement (2.), checks the token and
                 the permission (organizers of the event's association, volunteers on duty) and renders the
                 answer with its message. A JSON scan with a token skips DRF's request and response wrapping.
                 ScannerTokenAuthentication, which the door's other endpoints use too, is here.
2. lookup.py     scan_lookup: the event, the code's registration and attendee, the attendee's live check-in,
                 whether the client_id was answered before, whether the user is on duty, and the token's
                 user: one hand-written statement. token_with_user is the one loader of scanner tokens.
3. services.py   checkin_scan: a retried client_id gets its first answer from the log, else 4. then 5., then
                 the event's tally is asked for after commit; checkin_batch: offline scans, earliest first.
4. decision.py   decide: the rules, a pure function of the scan and what was read (no database): `invalid`,
                 `revoked`, `wrong_event`, `outside_window`, `already_checked_in` or `ok`, flagged when the
                 phone's clock runs ahead.
5. writer.py     write_scan: the log row, and for `ok` the check-in in the same statement (PostgreSQL); the
                 partial unique index, not the read, decides between two phones scanning one person at once.
                 check_in, which self check-ins and paper lists use too, and every hand-written INSERT of a
                 check-in are here.

The statements a scan makes are pinned by tests/checkin/test_scan_queries.py and measured by bench/checkin.
Nothing is imported here: checkin.services imports writer and decision, and the endpoint needs DRF.
"""
