#pragma once

#include "core/domain/job.h"
#include "core/domain/servicebudget.h"

#include <QList>
#include <QString>

namespace Baton {

class TimelineModel;

// One node run as the budget split needs it.
struct BudgetRun
{
    qint64 jobId = 0;
    QString node;
    QString service;
    NodeRunState state = NodeRunState::Queued;
    qint64 sinceMs = 0; // when it entered `state`
    bool maintenanceLeftOn = false;

    bool operator==(const BudgetRun &) const = default;
};

// \class CapacityBudget
// \brief One service's disruption budget split by cause, for the budget gauge.
//
// Every node that counts against the budget (slot holders ∪ offline instances, each once) is attributed to:
// - ThisJob / OtherJob: a run of that job holds the node (holds a slot, or is in maintenance or verifying, or
//   left its maintenance on); a slot holder no known job explains is another job (another console's, say);
// - Manual: in maintenance with no Baton run behind it (an operator's `consul maint`, or an orphan);
// - FailingCheck: critical for any other reason.
// The waiting queue is every known run waiting for a slot of the service, longest waiting first.
struct CapacityBudget
{
    enum class Cause
    {
        ThisJob,
        OtherJob,
        Manual,
        FailingCheck
    };
    static constexpr int kCauseCount = 4;

    struct Offline
    {
        QString node;
        Cause cause = Cause::FailingCheck;
        qint64 jobId = 0; // for ThisJob / OtherJob when known
        QString reason; // the offline reason from Consul, or "holds a slot"

        bool operator==(const Offline &) const = default;
    };
    struct Waiting
    {
        QString node;
        qint64 jobId = 0;
        qint64 sinceMs = 0;
        bool thisJob = false;

        bool operator==(const Waiting &) const = default;
    };

    QString service;
    int instances = 0;
    int limit = 0;
    QString maxOffline; // the key's text: "2", "25%", "0"
    QString maxOfflineDescription; // "25% (= 3 of 12)"
    QString warning; // a malformed max_offline key
    QList<Offline> offline; // by cause, then node
    QList<Waiting> queue;

    static CapacityBudget compute(const ServiceBudget &budget, qint64 thisJobId, const QList<BudgetRun> &runs);

    int count(Cause cause) const;
    int occupied() const { return int(offline.size()); }
    int free() const { return std::max(0, limit - occupied()); }
    bool isFrozen() const { return limit == 0; }
    bool isOverBudget() const { return occupied() > limit; }
    // "2 of 3 offline: 1 this job, 1 failing check · 4 waiting"
    QString summary() const;
    static QString causeName(Cause cause);

    bool operator==(const CapacityBudget &) const = default;
};

// The runs of a job, or of a timeline model's lanes, for CapacityBudget::compute.
QList<BudgetRun> budgetRunsOf(const Job &job);
QList<BudgetRun> budgetRunsOf(const TimelineModel &model);

} // namespace Baton
