#include "core/base/timestamps.h"

#include <QDateTime>

namespace Baton::Timestamps {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString toIso(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
}

Result<qint64> fromIso(const QString &text)
{
    const QDateTime dt = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!dt.isValid())
        return fail(Error::Kind::Decode, QStringLiteral("not an RFC 3339 timestamp: \"%1\"").arg(text.left(64)));
    return dt.toMSecsSinceEpoch();
}

} // namespace Baton::Timestamps
