#include "models/maxofflinepreview.h"

#include <QSet>

namespace Baton::MaxOfflinePreview {

QString listNames(const QStringList &names, int max)
{
    if (names.isEmpty())
        return {};
    if (names.size() == 1)
        return names.first();
    if (names.size() > max) {
        return QStringLiteral("%1 and %2 more")
            .arg(names.mid(0, max).join(QStringLiteral(", ")))
            .arg(names.size() - max);
    }
    return QStringLiteral("%1 and %2").arg(names.mid(0, names.size() - 1).join(QStringLiteral(", ")), names.last());
}

QString describe(const ServiceBudget &current, const MaxOffline &candidate, const QStringList &waiting)
{
    const QString service = current.service.isEmpty() ? QStringLiteral("the service") : current.service;
    const int oldLimit = current.limit();
    const int newLimit = candidate.limitFor(current.instances);
    const QString text = candidate.describe(current.instances);
    QSet<QString> occupiedSet(current.holders.begin(), current.holders.end());
    for (const OfflinePeer &p : current.offline)
        occupiedSet.insert(p.node);
    QStringList occupied(occupiedSet.begin(), occupiedSet.end());
    occupied.sort();

    if (candidate == current.maxOffline)
        return QStringLiteral("No change: %1 stays at %2.").arg(service, text);

    if (candidate.isFrozen()) {
        QString s = QStringLiteral("Freezing %1: no node may leave while max_offline is 0.").arg(service);
        if (!occupied.isEmpty())
            s += QStringLiteral(" %1 %2 offline now and finish%3 what they are doing; nothing is stopped.")
                     .arg(listNames(occupied), occupied.size() == 1 ? QStringLiteral("is") : QStringLiteral("are"),
                         occupied.size() == 1 ? QStringLiteral("es") : QString());
        if (!waiting.isEmpty())
            s += QStringLiteral(" %1 keep%2 waiting until it is raised again.")
                     .arg(listNames(waiting), waiting.size() == 1 ? QStringLiteral("s") : QString());
        return s;
    }

    if (newLimit == oldLimit)
        return QStringLiteral("Same limit today: %1 (%2 of %3 instances may be offline at once). A percentage follows "
                              "the fleet as it grows or shrinks.")
            .arg(text)
            .arg(newLimit)
            .arg(current.instances);

    if (newLimit > oldLimit) {
        const QStringList admitted = current.admittedWith(candidate, waiting);
        if (!admitted.isEmpty())
            return QStringLiteral("Raising %1 to %2 lets %3 start now.").arg(service, text, listNames(admitted));
        if (waiting.isEmpty())
            return QStringLiteral("Raising %1 to %2: up to %3 instances may be offline at once. No node is waiting "
                                  "for a slot now.")
                .arg(service, text)
                .arg(newLimit);
        return QStringLiteral("Raising %1 to %2 is not enough for the waiting nodes: %3 already %4 offline.")
            .arg(service, text, listNames(occupied),
                occupied.size() == 1 ? QStringLiteral("is") : QStringLiteral("are"));
    }

    // Lowering.
    if (occupied.size() > newLimit) {
        const int over = int(occupied.size()) - newLimit;
        return QStringLiteral("Lowering %1 to %2: %3 %4 offline now (%5), so no new node starts until %6 of them %7 "
                              "back. Nothing already in maintenance is stopped.")
            .arg(service, text)
            .arg(occupied.size())
            .arg(occupied.size() == 1 ? QStringLiteral("node is") : QStringLiteral("nodes are"), listNames(occupied))
            .arg(over)
            .arg(over == 1 ? QStringLiteral("is") : QStringLiteral("are"));
    }
    return QStringLiteral("Lowering %1 to %2: at most %3 instance%4 offline at once from now on; nodes running now are "
                          "not affected.")
        .arg(service, text)
        .arg(newLimit)
        .arg(newLimit == 1 ? QStringLiteral(" may be") : QStringLiteral("s may be"));
}

} // namespace Baton::MaxOfflinePreview
