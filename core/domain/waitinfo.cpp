#include "core/domain/waitinfo.h"

namespace Baton {

QString WaitInfo::describe() const
{
    QStringList parts;
    if (!holders.isEmpty())
        parts << QStringLiteral("slots held by %1").arg(holders.join(QStringLiteral(", ")));
    for (const OfflinePeer &p : offline)
        parts << QStringLiteral("%1 %2").arg(p.node, p.reason);
    if (limit == 0)
        parts << QStringLiteral("service frozen (max_offline 0)");
    else if (limit > 0)
        parts << QStringLiteral("max_offline %1").arg(maxOffline.isEmpty() ? QString::number(limit) : maxOffline);
    return parts.join(QStringLiteral("; "));
}

} // namespace Baton
