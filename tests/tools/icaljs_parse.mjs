#!/usr/bin/env node
// Parse an .ics file with the vendored Mozilla ical.js (an independent
// iCalendar implementation, the one Thunderbird uses) and print its events as
// JSON on stdout, so tests can cross-check what eventapp exports.
//
//   node tests/tools/icaljs_parse.mjs path/to/file.ics
//
// Output: [{uid, summary, status, sequence, start_utc, end_utc, location,
//           description, categories}, ...] in file order, one per VEVENT
// (recurrence exceptions included as their own entries; RRULEs not expanded).
//  - start_utc/end_utc: "YYYY-MM-DDTHH:MM:SSZ"; for all-day (VALUE=DATE)
//    events the plain date "YYYY-MM-DD" (end is exclusive, as in RFC 5545).
//    end_utc is computed from DURATION when there is no DTEND.
//  - sequence: integer, 0 when absent (RFC 5545 default).
//  - status/location/description: string or null; categories: list of strings
//    from every CATEGORIES property.
// Every VTIMEZONE in the file is registered with ICAL.TimezoneService first.
// Exit 2 (message on stderr) on a TZID with no VTIMEZONE, a floating
// date-time (no TZID, no Z) or a parse error; exit 1 on usage error.

import { readFileSync } from "node:fs";
import ICAL from "./vendor/ical.js/ical.mjs";

function fail(msg, code = 2) {
  process.stderr.write(`icaljs_parse: ${msg}\n`);
  process.exit(code);
}

function toUtc(prop, time, what, uid) {
  if (!prop || !time) return null;
  if (time.isDate) return time.toString(); // all-day: YYYY-MM-DD
  const tzid = prop.getParameter("tzid");
  if (tzid && !ICAL.TimezoneService.has(tzid)) {
    fail(`event ${uid}: ${what} uses TZID=${tzid} but the file has no VTIMEZONE for it`);
  }
  if (!tzid && time.zone !== ICAL.Timezone.utcTimezone) {
    fail(`event ${uid}: ${what} is a floating time (no TZID, no Z); cannot convert to UTC`);
  }
  return time.convertToZone(ICAL.Timezone.utcTimezone).toString();
}

function main(argv) {
  if (argv.length !== 1) fail("usage: node icaljs_parse.mjs FILE.ics", 1);
  const text = readFileSync(argv[0], "utf8");

  let jcal;
  try {
    jcal = ICAL.parse(text);
  } catch (err) {
    fail(`parse error: ${err.message}`);
  }
  // ICAL.parse returns one jCal component, or an array for several VCALENDARs.
  const calendars = (Array.isArray(jcal[0]) ? jcal : [jcal]).map((j) => new ICAL.Component(j));

  // Register every VTIMEZONE before any date property value is decoded
  // (ical.js resolves TZIDs lazily, when a value is first read).
  for (const cal of calendars) {
    for (const vtz of cal.getAllSubcomponents("vtimezone")) {
      ICAL.TimezoneService.register(vtz);
    }
  }

  const events = [];
  for (const cal of calendars) {
    for (const vevent of cal.getAllSubcomponents("vevent")) {
      const ev = new ICAL.Event(vevent);
      const uid = ev.uid ?? null;
      const dtstart = vevent.getFirstProperty("dtstart");
      const endProp = vevent.getFirstProperty("dtend") ?? dtstart;
      const seq = vevent.getFirstPropertyValue("sequence");
      events.push({
        uid,
        summary: ev.summary ?? null,
        status: vevent.getFirstPropertyValue("status") ?? null,
        sequence: seq == null ? 0 : Number(seq),
        start_utc: toUtc(dtstart, dtstart && ev.startDate, "DTSTART", uid),
        end_utc: toUtc(endProp, dtstart && ev.endDate, "DTEND", uid),
        location: ev.location ?? null,
        description: ev.description ?? null,
        categories: vevent.getAllProperties("categories").flatMap((p) => p.getValues().map(String)),
      });
    }
  }
  process.stdout.write(JSON.stringify(events, null, 2) + "\n");
}

main(process.argv.slice(2));
