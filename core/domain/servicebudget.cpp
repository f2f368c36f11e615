#include "core/domain/servicebudget.h"

#include <QSet>

namespace Baton {

namespace {
QSet<QString> occupiedSet(const ServiceBudget &b)
{
    QSet<QString> nodes(b.holders.begin(), b.holders.end());
    for (const OfflinePeer &p : b.offline)
        nodes.insert(p.node);
    return nodes;
}
} // namespace

QStringList ServiceBudget::occupiedExcluding(const QString &node) const
{
    QSet<QString> nodes = occupiedSet(*this);
    nodes.remove(node);
    QStringList out(nodes.begin(), nodes.end());
    out.sort();
    return out;
}

bool ServiceBudget::canEnter(const QString &node) const
{
    return occupiedExcluding(node).size() + 1 <= limit();
}

int ServiceBudget::freeSlots() const
{
    return std::max(0, limit() - int(occupiedSet(*this).size()));
}

WaitInfo ServiceBudget::waitInfoFor(const QString &node) const
{
    WaitInfo w;
    for (const QString &h : holders) {
        if (h != node)
            w.holders << h;
    }
    for (const OfflinePeer &p : offline) {
        if (p.node != node && !holders.contains(p.node))
            w.offline << p;
    }
    w.limit = limit();
    w.maxOffline = maxOffline.toString();
    return w;
}

QStringList ServiceBudget::admittedWith(const MaxOffline &candidate, const QStringList &waitingNodes) const
{
    const int newLimit = candidate.limitFor(instances);
    QSet<QString> occupied = occupiedSet(*this);
    QStringList admitted;
    for (const QString &node : waitingNodes) {
        QSet<QString> others = occupied;
        others.remove(node);
        if (others.size() + 1 > newLimit)
            continue;
        if (!occupied.contains(node)) {
            occupied.insert(node);
            admitted << node;
        }
    }
    return admitted;
}

} // namespace Baton
