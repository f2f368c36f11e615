#pragma once

#include "core/domain/maxoffline.h"
#include "core/domain/waitinfo.h"

#include <QString>
#include <QStringList>

namespace Baton {

// One service's disruption budget at a moment, and the budget rule from BRIEF.md:
// a node may enter only if |slot holders ∪ offline peers| + 1 ≤ max_offline, where an offline peer is another
// instance with any critical check (maintenance counts).
struct ServiceBudget
{
    QString service;
    MaxOffline maxOffline;
    QString maxOfflineWarning; // set when the key was malformed
    int instances = 0; // registered instances
    QStringList holders; // nodes holding slots
    QList<OfflinePeer> offline; // every instance offline now, with why

    int limit() const { return maxOffline.limitFor(instances); }
    // Nodes counted against the budget for `node`: holders ∪ offline, without `node` itself.
    QStringList occupiedExcluding(const QString &node) const;
    bool canEnter(const QString &node) const;
    int freeSlots() const; // limit − |holders ∪ offline|, never below 0
    WaitInfo waitInfoFor(const QString &node) const;

    // The preview for an operator editing max_offline: which of the waiting nodes (in queue order) would be
    // admitted at once if the value became `candidate`.
    QStringList admittedWith(const MaxOffline &candidate, const QStringList &waitingNodes) const;
};

} // namespace Baton
