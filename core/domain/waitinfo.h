#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace Baton {

// An instance of the service that is out of service for a reason other than this node's own run.
struct OfflinePeer
{
    QString node;
    QString reason; // "maintenance: <notes>" or "critical: <check name>"

    bool operator==(const OfflinePeer &) const = default;
};

// Why a node waits for a slot: who holds the slots, which peers are offline, and the limit in force.
// Reported by the gate, carried by node-run events, shown in tooltips.
struct WaitInfo
{
    QStringList holders; // nodes holding slots in baton/services/<service>/slots/.lock
    QList<OfflinePeer> offline;
    int limit = -1; // effective max_offline; -1 when unknown
    QString maxOffline; // the key's text, e.g. "25%"

    bool isEmpty() const { return holders.isEmpty() && offline.isEmpty() && limit < 0 && maxOffline.isEmpty(); }
    // "slots held by web-1, web-3; web-5 critical: http; max_offline 2"
    QString describe() const;

    bool operator==(const WaitInfo &) const = default;
};

} // namespace Baton
