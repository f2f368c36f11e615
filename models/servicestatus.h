#pragma once

#include "core/consul/consultypes.h"
#include "core/domain/servicebudget.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace Baton {

// One service as the console shows it: how many instances, their health, its disruption budget and the
// max_offline key as read (with its ModifyIndex, for a CAS write).
struct ServiceStatus
{
    QString service;
    QStringList tags;
    int instances = 0;
    int passing = 0; // instances whose every check passes
    int warning = 0; // worst check warning
    int critical = 0; // worst check critical, maintenance excluded
    int maintenance = 0; // in maintenance (node or service level)
    ServiceBudget budget; // max_offline, holders (nodes), offline peers with reasons
    bool maxOfflineKeyPresent = false;
    quint64 maxOfflineModifyIndex = 0; // 0: the key does not exist (a CAS with 0 creates it)
    QString maxOfflineRaw; // the key's text as stored
    QStringList waiting; // nodes of active jobs waiting for a slot, longest first (from the job list)
    QList<Consul::ServiceHealth> instanceHealth; // every instance with its checks

    // Counts health from the instances (passing/warning/critical/maintenance) and fills budget.instances and
    // budget.offline with the gate's rule (Consul::ServiceHealth::offlineReason).
    void setInstances(const QList<Consul::ServiceHealth> &health);
    // Reads the max_offline key (missing: the default, silently; malformed: the default and a warning).
    void setMaxOfflineKey(const std::optional<Consul::KvEntry> &entry);

    bool operator==(const ServiceStatus &other) const;
};

} // namespace Baton
