#include "models/servicestatus.h"

namespace Baton {

void ServiceStatus::setInstances(const QList<Consul::ServiceHealth> &health)
{
    instanceHealth = health;
    instances = int(health.size());
    passing = warning = critical = maintenance = 0;
    budget.instances = instances;
    budget.offline.clear();
    QStringList tagSet;
    for (const Consul::ServiceHealth &h : health) {
        bool inMaintenance = false;
        for (const Consul::HealthCheck &c : h.checks)
            inMaintenance = inMaintenance || c.isMaintenance();
        const Consul::CheckStatus worst = h.aggregatedStatus();
        if (inMaintenance)
            ++maintenance;
        else if (worst == Consul::CheckStatus::Critical)
            ++critical;
        else if (worst == Consul::CheckStatus::Passing)
            ++passing;
        else
            ++warning;
        if (const auto why = h.offlineReason())
            budget.offline.append({ h.node.name, *why });
        for (const QString &t : h.service.tags) {
            if (!tagSet.contains(t))
                tagSet << t;
        }
    }
    if (tags.isEmpty()) {
        tagSet.sort();
        tags = tagSet;
    }
}

void ServiceStatus::setMaxOfflineKey(const std::optional<Consul::KvEntry> &entry)
{
    const MaxOfflineReading reading
        = MaxOffline::fromKv(entry ? std::optional<QByteArray>(entry->value) : std::nullopt);
    budget.maxOffline = reading.value;
    budget.maxOfflineWarning = reading.warning;
    maxOfflineKeyPresent = reading.keyPresent;
    maxOfflineModifyIndex = entry ? entry->modifyIndex : 0;
    maxOfflineRaw = entry ? QString::fromUtf8(entry->value) : QString();
}

bool ServiceStatus::operator==(const ServiceStatus &o) const
{
    return service == o.service && tags == o.tags && instances == o.instances && passing == o.passing
        && warning == o.warning && critical == o.critical && maintenance == o.maintenance
        && budget.maxOffline == o.budget.maxOffline && budget.maxOfflineWarning == o.budget.maxOfflineWarning
        && budget.holders == o.budget.holders && budget.offline == o.budget.offline
        && maxOfflineKeyPresent == o.maxOfflineKeyPresent && maxOfflineModifyIndex == o.maxOfflineModifyIndex
        && maxOfflineRaw == o.maxOfflineRaw && waiting == o.waiting && instanceHealth == o.instanceHealth;
}

} // namespace Baton
