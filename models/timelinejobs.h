#pragma once

#include "core/domain/job.h"
#include "core/domain/jobevent.h"
#include "models/capacitybudget.h"

#include <functional>
#include <map>
#include <memory>

#include <QObject>
#include <QSet>
#include <QTimer>

namespace Baton {

class TimelineModel;

// Why a job needs an operator's eyes, most urgent first. The wall orders its tiles by this.
enum class TimelineAttention
{
    Stuck, // a node in progress has been silent too long or ran past its timeout
    Failed, // the job failed or partially failed, or nodes failed while it runs
    Halted, // a failure stopped admission of new nodes
    WaitingLong, // a node has waited for a slot too long
    Running,
    Queued,
    Finished, // succeeded or cancelled, shown for a while
};

struct TimelineJobAttention
{
    TimelineAttention level = TimelineAttention::Queued;
    QString reason; // "web-3 silent for 17 min", "2 nodes failed", the halt reason, …

    bool needsAttention() const { return level <= TimelineAttention::WaitingLong; }
    bool operator==(const TimelineJobAttention &) const = default;
};

QString displayName(TimelineAttention level);

// \class TimelineJobs
// \brief Every job the wall shows: one TimelineModel per active or recently finished job, fed from the event
// stream, ranked by attention.
//
// - Events are routed by job id; job.created adds a job. An event for a job it does not know emits
//   jobUnknown() once, so the application can fetch the job and hand it over with applyJob().
// - Attention depends on time (a node becomes stuck by staying silent), so it is re-evaluated on every update
//   and at the next moment a threshold will be crossed: one single-shot timer armed for exactly then. With
//   nothing in progress and nothing finishing, no timer runs at all.
// - Finished jobs stay for a while (longer when they failed), then are removed, so memory stays bounded on a
//   wall that runs for weeks; at most kMaxJobs are kept, dropping the oldest finished first.
class TimelineJobs : public QObject
{
    Q_OBJECT

public:
    struct Thresholds
    {
        qint64 stuckAfterMs = 15 * 60'000;
        qint64 waitingLongMs = 10 * 60'000;
        qint64 lingerMs = 10 * 60'000; // succeeded or cancelled
        qint64 lingerFailedMs = 60 * 60'000;

        bool operator==(const Thresholds &) const = default;
    };
    static constexpr int kMaxJobs = 200;

    explicit TimelineJobs(QObject *parent = nullptr);
    ~TimelineJobs() override;

    void setThresholds(const Thresholds &thresholds);
    const Thresholds &thresholds() const { return m_thresholds; }
    void setClock(std::function<qint64()> clock);
    // Passed on to every model (see TimelineModel::setBatchInterval).
    void setBatchInterval(int ms);

    // A snapshot of the jobs to show (after a connect or a resync): each is added or updated; jobs not listed
    // are removed.
    void setJobs(const QList<Job> &jobs);
    void applyJob(const Job &job);
    // Routes one event of the stream. Returns whether a model took it.
    bool applyEvent(const JobEvent &event);
    // Applies every model's queued events now, and the ranking that follows.
    void flush();
    void clear();

    // Job ids, most urgent first; within a level, newest first.
    QList<qint64> order() const { return m_order; }
    int count() const { return int(m_jobs.size()); }
    TimelineModel *model(qint64 jobId) const;
    TimelineJobAttention attention(qint64 jobId) const;
    // Node runs of every job, for the budget split (CapacityBudget::compute).
    QList<BudgetRun> budgetRuns() const;
    // Services of the jobs shown, in order of the jobs' attention.
    QStringList services() const;

    // When the next time-based change is due (ms since the epoch), 0 when none; and whether its timer runs.
    qint64 nextTimedChange() const { return m_nextChange; }
    bool isTimerActive() const { return m_timer.isActive(); }

    static TimelineJobAttention evaluate(
        const TimelineModel &model, qint64 now, const Thresholds &thresholds, qint64 *nextChange = nullptr);

Q_SIGNALS:
    void jobAdded(qint64 jobId);
    void jobRemoved(qint64 jobId);
    // The order or an attention level changed.
    void orderChanged();
    // A job's timeline or header changed (once per applied batch).
    void jobUpdated(qint64 jobId);
    void jobUnknown(qint64 jobId);

private:
    struct Entry;
    TimelineModel *ensure(qint64 jobId);
    void reevaluate();
    void onModelUpdated(qint64 jobId);
    void remove(qint64 jobId);
    void enforceLimit();

    std::map<qint64, std::unique_ptr<Entry>> m_jobs;
    QList<qint64> m_order;
    QSet<qint64> m_unknownAsked;
    Thresholds m_thresholds;
    std::function<qint64()> m_clock;
    QTimer m_timer;
    qint64 m_nextChange = 0;
    int m_batchIntervalMs = 100;
    bool m_reevaluatePending = false;
};

} // namespace Baton
