// Times as people read them: in the browser's own time zone, with the zone named, or relative
// ("3 min ago") with the exact time on hover. Rows carry UTC datetimes; Reflex sends them as
// strings such as "2026-12-01 19:38:21.123456+00:00" (a naive one is UTC too).
import { useEffect, useState } from "react";

// Relative times are rendered again this often, so "just now" does not stay on screen for an hour.
const RELATIVE_TICK_MS = 20000;

function parse(value) {
  if (value === null || value === undefined || value === "") return null;
  let text = String(value).trim().replace(" ", "T");
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(text)) text += "Z";
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function exactTime(date) {
  return date.toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
  });
}

function relativeTime(date, now) {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const past = seconds <= 0;
  const abs = Math.abs(seconds);
  if (abs < 45) return past ? "just now" : "in a moment";
  const say = (n, unit) => (past ? `${n} ${unit} ago` : `in ${n} ${unit}`);
  if (abs < 3600) return say(Math.round(abs / 60), "min");
  if (abs < 86400) return say(Math.round(abs / 3600), "h");
  if (abs < 7 * 86400) return say(Math.round(abs / 86400), Math.round(abs / 86400) === 1 ? "day" : "days");
  return exactTime(date);
}

export function BeaconTime({ value, relative = false, prefix = "" }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!relative) return undefined;
    const timer = setInterval(() => setNow(Date.now()), RELATIVE_TICK_MS);
    return () => clearInterval(timer);
  }, [relative]);
  const date = parse(value);
  if (date === null) return null;
  const exact = exactTime(date);
  return (
    <time dateTime={date.toISOString()} title={exact}>
      {prefix}
      {relative ? relativeTime(date, now) : exact}
    </time>
  );
}
