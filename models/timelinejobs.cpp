#include "models/timelinejobs.h"

#include "core/base/timestamps.h"
#include "models/timelinecoordinates.h"
#include "models/timelinemodel.h"

#include <algorithm>
#include <climits>

namespace Baton {

QString displayName(TimelineAttention level)
{
    switch (level) {
    case TimelineAttention::Stuck:
        return QStringLiteral("stuck");
    case TimelineAttention::Failed:
        return QStringLiteral("failed");
    case TimelineAttention::Halted:
        return QStringLiteral("halted");
    case TimelineAttention::WaitingLong:
        return QStringLiteral("waiting long");
    case TimelineAttention::Running:
        return QStringLiteral("running");
    case TimelineAttention::Queued:
        return QStringLiteral("queued");
    case TimelineAttention::Finished:
        return QStringLiteral("finished");
    }
    return QString();
}

struct TimelineJobs::Entry
{
    std::unique_ptr<TimelineModel> model;
    TimelineJobAttention attention;
};

TimelineJobs::TimelineJobs(QObject *parent)
    : QObject(parent)
{
    m_clock = [] { return Timestamps::nowMs(); };
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &TimelineJobs::reevaluate);
}

TimelineJobs::~TimelineJobs() = default;

void TimelineJobs::setThresholds(const Thresholds &thresholds)
{
    m_thresholds = thresholds;
    reevaluate();
}

void TimelineJobs::setClock(std::function<qint64()> clock)
{
    m_clock = clock ? std::move(clock) : std::function<qint64()>([] { return Timestamps::nowMs(); });
    reevaluate();
}

void TimelineJobs::setBatchInterval(int ms)
{
    m_batchIntervalMs = std::max(0, ms);
    for (auto &[id, e] : m_jobs)
        e->model->setBatchInterval(m_batchIntervalMs);
}

TimelineModel *TimelineJobs::ensure(qint64 jobId)
{
    auto it = m_jobs.find(jobId);
    if (it != m_jobs.end())
        return it->second->model.get();
    auto entry = std::make_unique<Entry>();
    entry->model = std::make_unique<TimelineModel>();
    entry->model->setBatchInterval(m_batchIntervalMs);
    TimelineModel *model = entry->model.get();
    connect(model, &TimelineModel::updated, this, [this, jobId] { onModelUpdated(jobId); });
    m_jobs.emplace(jobId, std::move(entry));
    m_unknownAsked.remove(jobId);
    return model;
}

void TimelineJobs::setJobs(const QList<Job> &jobs)
{
    QSet<qint64> keep;
    for (const Job &j : jobs) {
        if (j.id == 0)
            continue;
        keep.insert(j.id);
        applyJob(j);
    }
    std::vector<qint64> gone;
    for (const auto &[id, e] : m_jobs) {
        if (!keep.contains(id))
            gone.push_back(id);
    }
    for (qint64 id : gone)
        remove(id);
    reevaluate();
}

void TimelineJobs::applyJob(const Job &job)
{
    if (job.id == 0)
        return;
    const bool added = m_jobs.find(job.id) == m_jobs.end();
    TimelineModel *model = ensure(job.id);
    model->setJob(job);
    if (added) {
        Q_EMIT jobAdded(job.id);
        enforceLimit();
    }
    reevaluate();
}

bool TimelineJobs::applyEvent(const JobEvent &event)
{
    if (event.type == JobEvent::Type::JobCreated) {
        if (!event.job)
            return false;
        applyJob(*event.job);
        return true;
    }
    if (event.type == JobEvent::Type::Heartbeat || event.type == JobEvent::Type::Resync || event.jobId == 0)
        return false;
    auto it = m_jobs.find(event.jobId);
    if (it == m_jobs.end()) {
        // Logs of jobs nobody watches are not worth a fetch; anything else is.
        if (event.type != JobEvent::Type::NodeLog && !m_unknownAsked.contains(event.jobId)) {
            m_unknownAsked.insert(event.jobId);
            Q_EMIT jobUnknown(event.jobId);
        }
        return false;
    }
    return it->second->model->applyEvent(event);
}

void TimelineJobs::flush()
{
    for (auto &[id, e] : m_jobs)
        e->model->flush();
    if (m_reevaluatePending)
        reevaluate();
}

void TimelineJobs::clear()
{
    std::vector<qint64> ids;
    for (const auto &[id, e] : m_jobs)
        ids.push_back(id);
    for (qint64 id : ids)
        remove(id);
    m_unknownAsked.clear();
    reevaluate();
}

void TimelineJobs::remove(qint64 jobId)
{
    auto it = m_jobs.find(jobId);
    if (it == m_jobs.end())
        return;
    // Detach first so the model's last signals do not reach us, then let the event loop delete it: a view may
    // still be inside a slot of this model when we get here.
    TimelineModel *model = it->second->model.release();
    disconnect(model, nullptr, this, nullptr);
    m_jobs.erase(it);
    model->deleteLater();
    Q_EMIT jobRemoved(jobId);
}

void TimelineJobs::enforceLimit()
{
    while (int(m_jobs.size()) > kMaxJobs) {
        // The oldest finished job goes first; with none finished, the oldest job.
        qint64 victim = 0;
        qint64 victimFinished = LLONG_MAX;
        for (const auto &[id, e] : m_jobs) {
            const TimelineModel &m = *e->model;
            const qint64 key = m.isFinished() ? m.job().finishedAtMs : LLONG_MAX - 1;
            if (victim == 0 || key < victimFinished || (key == victimFinished && id < victim)) {
                victim = id;
                victimFinished = key;
            }
        }
        remove(victim);
    }
}

void TimelineJobs::onModelUpdated(qint64 jobId)
{
    Q_EMIT jobUpdated(jobId);
    // Models flush on their own ticks; ranking every job once per event-loop turn is enough, however many of
    // them changed in it.
    if (m_reevaluatePending)
        return;
    m_reevaluatePending = true;
    QMetaObject::invokeMethod(this, &TimelineJobs::reevaluate, Qt::QueuedConnection);
}

TimelineJobAttention TimelineJobs::evaluate(
    const TimelineModel &model, qint64 now, const Thresholds &t, qint64 *nextChange)
{
    auto consider = [&](qint64 at) {
        if (nextChange && at > now && (*nextChange == 0 || at < *nextChange))
            *nextChange = at;
    };
    const Job &job = model.job();
    TimelineJobAttention a;
    if (model.isFinished()) {
        const bool bad = job.state == JobState::Failed || job.state == JobState::PartiallyFailed;
        consider(job.finishedAtMs + (bad ? t.lingerFailedMs : t.lingerMs));
        a.level = bad ? TimelineAttention::Failed : TimelineAttention::Finished;
        a.reason = displayName(job.state);
        if (bad) {
            const int failures = model.counts().failures();
            a.reason = failures > 0 ? QStringLiteral("%1 of %2 nodes failed").arg(failures).arg(model.laneCount())
                                    : displayName(job.state);
        }
        return a;
    }
    QString stuck;
    QString waiting;
    int failures = 0;
    bool anyActive = false;
    bool anyStarted = false;
    const qint64 nodeTimeout = qint64(std::max(0, job.spec.nodeTimeoutS)) * 1000;
    for (int i = 0; i < model.laneCount(); ++i) {
        const TimelineLane &l = model.lane(i);
        if (isFailure(l.state))
            ++failures;
        if (l.state != NodeRunState::Queued)
            anyStarted = true;
        if (isActive(l.state)) {
            anyActive = true;
            if (l.lastEventAtMs > 0) {
                const qint64 silentUntil = l.lastEventAtMs + t.stuckAfterMs;
                if (now >= silentUntil) {
                    if (stuck.isEmpty())
                        stuck = QStringLiteral("%1 silent for %2")
                                    .arg(l.node, Timeline::formatDuration(now - l.lastEventAtMs));
                } else {
                    consider(silentUntil);
                }
            }
            if (nodeTimeout > 0 && l.runStartedAtMs > 0) {
                const qint64 deadline = l.runStartedAtMs + nodeTimeout;
                if (now >= deadline) {
                    if (stuck.isEmpty())
                        stuck = QStringLiteral("%1 past its %2 timeout")
                                    .arg(l.node, Timeline::formatDuration(nodeTimeout));
                } else {
                    consider(deadline);
                }
            }
        }
        if (l.state == NodeRunState::WaitingForSlot && !l.spans.empty()) {
            const qint64 since = l.spans.back().start;
            if (now >= since + t.waitingLongMs) {
                if (waiting.isEmpty())
                    waiting
                        = QStringLiteral("%1 waiting %2 for a slot").arg(l.node, Timeline::formatDuration(now - since));
            } else {
                consider(since + t.waitingLongMs);
            }
        }
    }
    if (!stuck.isEmpty()) {
        a.level = TimelineAttention::Stuck;
        a.reason = stuck;
    } else if (failures > 0 || job.state == JobState::Failed || job.state == JobState::PartiallyFailed) {
        a.level = TimelineAttention::Failed;
        a.reason = QStringLiteral("%1 of %2 nodes failed").arg(failures).arg(model.laneCount());
    } else if (job.isHalted()) {
        a.level = TimelineAttention::Halted;
        a.reason = job.haltReason;
    } else if (!waiting.isEmpty()) {
        a.level = TimelineAttention::WaitingLong;
        a.reason = waiting;
    } else if (anyActive || anyStarted || job.state == JobState::Running || job.state == JobState::Cancelling) {
        a.level = TimelineAttention::Running;
        a.reason = model.counts().summary();
    } else {
        a.level = TimelineAttention::Queued;
        a.reason = QStringLiteral("queued");
    }
    return a;
}

void TimelineJobs::reevaluate()
{
    m_reevaluatePending = false;
    const qint64 now = m_clock();
    qint64 next = 0;
    // Finished jobs whose time is up go first.
    std::vector<qint64> expired;
    for (const auto &[id, e] : m_jobs) {
        const TimelineModel &m = *e->model;
        if (!m.isFinished())
            continue;
        const bool bad = m.job().state == JobState::Failed || m.job().state == JobState::PartiallyFailed;
        if (now >= m.job().finishedAtMs + (bad ? m_thresholds.lingerFailedMs : m_thresholds.lingerMs))
            expired.push_back(id);
    }
    for (qint64 id : expired)
        remove(id);

    bool levelsChanged = false;
    for (auto &[id, e] : m_jobs) {
        const TimelineJobAttention a = evaluate(*e->model, now, m_thresholds, &next);
        if (!(a == e->attention)) {
            if (a.level != e->attention.level)
                levelsChanged = true;
            e->attention = a;
        }
    }
    QList<qint64> order;
    order.reserve(qsizetype(m_jobs.size()));
    for (const auto &[id, e] : m_jobs)
        order << id;
    std::sort(order.begin(), order.end(), [this](qint64 a, qint64 b) {
        const Entry &x = *m_jobs.at(a);
        const Entry &y = *m_jobs.at(b);
        if (x.attention.level != y.attention.level)
            return x.attention.level < y.attention.level;
        const qint64 cx = x.model->job().createdAtMs;
        const qint64 cy = y.model->job().createdAtMs;
        return cx != cy ? cx > cy : a > b;
    });
    const bool orderChangedNow = order != m_order;
    m_order = order;

    m_nextChange = next;
    if (next > 0)
        m_timer.start(int(std::clamp<qint64>(next - now + 50, 50, INT_MAX / 2)));
    else
        m_timer.stop();
    if (orderChangedNow || levelsChanged || !expired.empty())
        Q_EMIT orderChanged();
}

TimelineModel *TimelineJobs::model(qint64 jobId) const
{
    auto it = m_jobs.find(jobId);
    return it == m_jobs.end() ? nullptr : it->second->model.get();
}

TimelineJobAttention TimelineJobs::attention(qint64 jobId) const
{
    auto it = m_jobs.find(jobId);
    return it == m_jobs.end() ? TimelineJobAttention() : it->second->attention;
}

QList<BudgetRun> TimelineJobs::budgetRuns() const
{
    QList<BudgetRun> runs;
    for (const auto &[id, e] : m_jobs)
        runs += budgetRunsOf(*e->model);
    return runs;
}

QStringList TimelineJobs::services() const
{
    QStringList out;
    for (qint64 id : m_order) {
        const TimelineModel &m = *m_jobs.at(id)->model;
        for (int g = 0; g < m.groupCount(); ++g) {
            const QString &s = m.group(g).service;
            if (!s.isEmpty() && !out.contains(s))
                out << s;
        }
    }
    return out;
}

} // namespace Baton
