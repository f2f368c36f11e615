#pragma once

#include "core/base/result.h"

#include <QString>
#include <QtGlobal>

namespace Baton::Timestamps {

// Baton keeps time as milliseconds since the Unix epoch (UTC); 0 means "not yet".
// On the wire it is RFC 3339 with milliseconds and a Z suffix: 2026-11-24T23:32:00.123Z.
qint64 nowMs();
QString toIso(qint64 msSinceEpoch);
Result<qint64> fromIso(const QString &text);

} // namespace Baton::Timestamps
