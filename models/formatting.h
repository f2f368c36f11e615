#pragma once

#include <QString>

namespace Baton::Format {

// "42s", "3m 07s", "2h 05m"; empty for a negative value.
QString duration(qint64 seconds);
// "14:03:22" when `ms` is on the same day as `nowMs`, else "2026-11-24 14:03"; empty for 0.
QString time(qint64 ms, qint64 nowMs);
// "3 s ago", "4 min ago", "2 h ago", "3 d ago".
QString ago(qint64 ms, qint64 nowMs);

} // namespace Baton::Format
