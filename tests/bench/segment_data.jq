# segment_data.jq: the segment_data mapping of seg-flatten written in jq, as
# the reference it is benchmarked against (tests/bench/bench-flatten.sh):
#   jq -c -f tests/bench/segment_data.jq events.ndjson
# Timestamps: the first of timestamp, originalTimestamp, sentAt, receivedAt,
# any offset converted to UTC, written as YYYY-MM-DD HH:MM:SS.ffffff.
# No DDL record and no reject records; lines it cannot map stop jq.

def utc:
  capture("^(?<d>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ](?<t>[0-9]{2}:[0-9]{2}:[0-9]{2})(\\.(?<f>[0-9]{1,9}))?(?<z>[Zz]|[-+][0-9]{2}:?[0-9]{2})$") as $m
  | (if ($m.z | ascii_downcase) == "z" then 0
     else ($m.z | gsub(":"; "")) as $z
       | (($z[1:3] | tonumber) * 3600 + ($z[3:5] | tonumber) * 60) * (if $z[0:1] == "-" then -1 else 1 end)
     end) as $off
  | (((($m.d + "T" + $m.t + "Z") | fromdateiso8601) - $off) | strftime("%Y-%m-%d %H:%M:%S"))
    + "." + ((($m.f // "") + "000000")[0:6]);

{
  _table: "segment_data",
  _row: {
  messageId,
  timestamp: ([.timestamp, .originalTimestamp, .sentAt, .receivedAt] | map(select(. != null)) | first | utc),
  type,
  event,
  name: (if .type == "page" or .type == "screen" then .name else null end),
  properties,
  userId,
  anonymousId,
  groupId,
  traits: (if .context.traits != null then .context.traits else .traits end),
  context
  }
}
