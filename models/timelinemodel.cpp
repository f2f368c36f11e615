#include "models/timelinemodel.h"

#include "models/modelslogging.h"

#include <algorithm>
#include <climits>

#include <QSet>

namespace Baton {

namespace { } // namespace

// web-2 before web-10: digit runs compare by value, everything else by character.
bool TimelineModel::nodeLess(const QString &a, const QString &b)
{
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < a.size() && j < b.size()) {
        const QChar ca = a.at(i);
        const QChar cb = b.at(j);
        if (ca.isDigit() && cb.isDigit()) {
            qsizetype ie = i;
            qsizetype je = j;
            while (ie < a.size() && a.at(ie).isDigit())
                ++ie;
            while (je < b.size() && b.at(je).isDigit())
                ++je;
            // Compare digit runs by length after stripping leading zeros, then lexically: no overflow.
            qsizetype ia = i;
            qsizetype jb = j;
            while (ia + 1 < ie && a.at(ia) == QLatin1Char('0'))
                ++ia;
            while (jb + 1 < je && b.at(jb) == QLatin1Char('0'))
                ++jb;
            if (ie - ia != je - jb)
                return ie - ia < je - jb;
            const int c = QStringView(a).mid(ia, ie - ia).compare(QStringView(b).mid(jb, je - jb));
            if (c != 0)
                return c < 0;
            i = ie;
            j = je;
            continue;
        }
        if (ca != cb)
            return ca < cb;
        ++i;
        ++j;
    }
    if ((a.size() - i) != (b.size() - j))
        return (a.size() - i) < (b.size() - j);
    return a < b;
}

namespace {

bool laneLess(const TimelineLane &x, const TimelineLane &y)
{
    // Nodes named without a service go last.
    if (x.service.isEmpty() != y.service.isEmpty())
        return !x.service.isEmpty();
    if (x.service != y.service)
        return x.service < y.service;
    return TimelineModel::nodeLess(x.node, y.node);
}

template<typename Vec> void capFront(Vec &v, std::size_t max)
{
    if (v.size() > max)
        v.erase(v.begin(), v.begin() + std::ptrdiff_t(v.size() - max));
}

} // namespace

struct TimelineModel::Batch
{
    int dirtyMin = INT_MAX;
    int dirtyMax = -1;
    bool structure = false;
    bool job = false;
    bool any = false;
};

TimelineModel::TimelineModel(QObject *parent)
    : QObject(parent)
{
    m_texts << QString();
    m_textIds.insert(QString(), 0);
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setTimerType(Qt::CoarseTimer);
    connect(&m_flushTimer, &QTimer::timeout, this, &TimelineModel::flush);
}

TimelineModel::~TimelineModel() = default;

void TimelineModel::setBatchInterval(int ms)
{
    m_batchIntervalMs = std::max(0, ms);
}

void TimelineModel::setJob(const Job &job)
{
    flush();
    Batch batch;
    applySnapshot(job, batch);
    finish(batch);
}

bool TimelineModel::applyEvent(const JobEvent &event)
{
    switch (event.type) {
    case JobEvent::Type::Heartbeat:
    case JobEvent::Type::Resync:
        return false;
    default:
        break;
    }
    const qint64 jobId = event.type == JobEvent::Type::JobCreated && event.job ? event.job->id : event.jobId;
    if (m_job.id != 0 && jobId != m_job.id)
        return false;
    if (m_job.id == 0 && jobId == 0)
        return false;
    if (event.seq != 0) {
        if (event.seq <= m_lastSeq)
            return false;
        m_lastSeq = event.seq;
    }
    if (m_job.id == 0)
        m_job.id = jobId; // the first event binds an empty model to its job
    m_pending.push_back(event);
    scheduleFlush();
    return true;
}

void TimelineModel::scheduleFlush()
{
    if (int(m_pending.size()) >= kMaxPendingEvents) {
        flush();
        return;
    }
    if (!m_flushTimer.isActive())
        m_flushTimer.start(m_batchIntervalMs);
}

void TimelineModel::flush()
{
    m_flushTimer.stop();
    if (m_pending.empty())
        return;
    std::vector<JobEvent> pending;
    pending.swap(m_pending);
    Batch batch;
    for (const JobEvent &e : pending)
        applyOne(e, batch);
    finish(batch);
}

void TimelineModel::clear()
{
    m_flushTimer.stop();
    m_pending.clear();
    const bool hadAnything = !m_lanes.empty() || m_job.id != 0;
    m_job = Job();
    m_lanes.clear();
    m_groups.clear();
    m_laneIndex.clear();
    m_texts = QStringList { QString() };
    m_textIds.clear();
    m_textIds.insert(QString(), 0);
    m_lastSeq = 0;
    m_openSpans = 0;
    if (hadAnything) {
        ++m_generation;
        ++m_structureGeneration;
        Q_EMIT lanesReset();
        Q_EMIT jobChanged();
        Q_EMIT updated();
    }
}

void TimelineModel::applyOne(const JobEvent &e, Batch &batch)
{
    switch (e.type) {
    case JobEvent::Type::JobCreated:
        if (e.job)
            applySnapshot(*e.job, batch);
        break;
    case JobEvent::Type::JobState:
        applyJobState(e, batch);
        break;
    case JobEvent::Type::NodeState:
        applyNodeState(e, batch);
        break;
    case JobEvent::Type::NodeTask:
        if (!e.node.isEmpty())
            applyNodeTask(e.node, e.task, e.atMs, batch);
        break;
    case JobEvent::Type::NodeLog:
        if (const int li = laneOf(e.node); li >= 0) {
            TimelineLane &l = m_lanes[std::size_t(li)];
            if (e.atMs > l.lastEventAtMs) {
                l.lastEventAtMs = e.atMs;
                batch.any = true;
            }
        }
        break;
    case JobEvent::Type::Resync:
    case JobEvent::Type::Heartbeat:
        break;
    }
}

quint32 TimelineModel::intern(const QString &text)
{
    const auto it = m_textIds.constFind(text);
    if (it != m_textIds.constEnd())
        return it.value();
    const quint32 id = quint32(m_texts.size());
    m_texts << text;
    m_textIds.insert(text, id);
    return id;
}

const QString &TimelineModel::text(quint32 id) const
{
    return id < quint32(m_texts.size()) ? m_texts.at(qsizetype(id)) : m_texts.at(0);
}

quint32 TimelineModel::detailFor(NodeRunState state, const QString &reason, const WaitInfo &wait)
{
    // The structured form says it best while waiting for a slot; otherwise the reason as reported.
    if (state == NodeRunState::WaitingForSlot && !wait.isEmpty())
        return intern(wait.describe());
    return intern(reason);
}

void TimelineModel::touch(int lane, Batch &batch)
{
    ++m_lanes[std::size_t(lane)].generation;
    batch.dirtyMin = std::min(batch.dirtyMin, lane);
    batch.dirtyMax = std::max(batch.dirtyMax, lane);
    batch.any = true;
}

int TimelineModel::ensureLane(const QString &node, const QString &service, Batch &batch)
{
    if (const int li = laneOf(node); li >= 0) {
        TimelineLane &l = m_lanes[std::size_t(li)];
        if (!service.isEmpty() && l.service != service) {
            l.service = service;
            batch.structure = true; // regrouped; sorted in finish()
        }
        return li;
    }
    TimelineLane l;
    l.node = node;
    l.service = service;
    m_lanes.push_back(std::move(l));
    const int li = int(m_lanes.size()) - 1;
    // Appended unsorted so indices stay valid during the batch; finish() sorts once.
    m_laneIndex.insert(node, li);
    batch.structure = true;
    batch.any = true;
    return li;
}

void TimelineModel::rebuildIndex()
{
    std::stable_sort(m_lanes.begin(), m_lanes.end(), laneLess);
    m_laneIndex.clear();
    m_laneIndex.reserve(qsizetype(m_lanes.size()));
    m_groups.clear();
    for (int i = 0; i < int(m_lanes.size()); ++i) {
        const TimelineLane &l = m_lanes[std::size_t(i)];
        m_laneIndex.insert(l.node, i);
        if (m_groups.empty() || m_groups.back().service != l.service)
            m_groups.push_back(TimelineGroup { l.service, i, 0 });
        ++m_groups.back().laneCount;
    }
}

void TimelineModel::recountOpen()
{
    int open = 0;
    for (const TimelineLane &l : m_lanes) {
        if (!l.spans.empty() && l.spans.back().isOpen())
            ++open;
    }
    m_openSpans = open;
}

void TimelineModel::finish(Batch &batch)
{
    if (batch.structure) {
        rebuildIndex();
        ++m_structureGeneration;
    }
    if (batch.structure || batch.dirtyMax >= 0)
        ++m_generation;
    recountOpen();
    if (batch.structure)
        Q_EMIT lanesReset();
    else if (batch.dirtyMax >= 0)
        Q_EMIT lanesChanged(batch.dirtyMin, batch.dirtyMax);
    if (batch.job)
        Q_EMIT jobChanged();
    if (batch.any || batch.job || batch.structure)
        Q_EMIT updated();
}

namespace {

// Starts a span of `state` at `at`, closing the open one. Zero-length spans are dropped (a state that lasted
// no time is invisible anyway), and a state that resumes right after being dropped continues its span.
void openSpan(TimelineLane &l, NodeRunState state, qint64 at, quint32 detail)
{
    if (!l.spans.empty()) {
        TimelineSpan &last = l.spans.back();
        if (last.isOpen()) {
            if (at <= last.start) {
                at = last.start;
                l.spans.pop_back();
                if (!l.spans.empty() && l.spans.back().state == state && l.spans.back().end == at) {
                    l.spans.back().end = TimelineModel::kOpen;
                    l.spans.back().detail = detail;
                    return;
                }
            } else {
                last.end = at;
            }
        } else if (at < last.end) {
            at = last.end;
        }
    }
    l.spans.push_back(TimelineSpan { at, TimelineModel::kOpen, state, detail });
    capFront(l.spans, std::size_t(TimelineModel::kMaxSpansPerLane));
}

void closeOpenTask(TimelineLane &l, qint64 at)
{
    if (l.tasks.empty() || !l.tasks.back().isOpen())
        return;
    TimelineTask &t = l.tasks.back();
    if (at <= t.start)
        l.tasks.pop_back();
    else
        t.end = at;
}

} // namespace

void TimelineModel::applyNodeState(const JobEvent &e, Batch &batch)
{
    if (e.node.isEmpty())
        return;
    const int li = ensureLane(e.node, QString(), batch);
    TimelineLane &l = m_lanes[std::size_t(li)];
    l.lastEventAtMs = std::max(l.lastEventAtMs, e.atMs);
    batch.any = true;
    // A finished job's picture is final, and an event older than the state we show is a leftover of a resumed
    // stream or an earlier snapshot: applying it would rewrite history backwards.
    if (isFinished() || (!l.spans.empty() && e.atMs < l.spans.back().start)) {
        qCDebug(lcModels) << "timeline: dropping stale node.state for" << e.node << "of job" << m_job.id;
        return;
    }
    const quint32 detail = detailFor(e.nodeState, e.reason, e.wait);
    if (!l.spans.empty() && l.spans.back().isOpen() && l.spans.back().state == e.nodeState) {
        if (l.spans.back().detail != detail) {
            l.spans.back().detail = detail;
            touch(li, batch);
        }
    } else {
        openSpan(l, e.nodeState, e.atMs, detail);
        touch(li, batch);
    }
    l.state = e.nodeState;
    l.reason = e.reason;
    l.wait = e.wait;
    if (isActive(e.nodeState) && l.runStartedAtMs == 0)
        l.runStartedAtMs = e.atMs;
    if (isTerminal(e.nodeState)) {
        closeOpenTask(l, l.spans.back().start);
        l.task.clear();
    } else if (!e.task.isEmpty() && e.task != l.task) {
        applyNodeTask(e.node, e.task, e.atMs, batch);
    }
}

void TimelineModel::applyNodeTask(const QString &node, const QString &task, qint64 at, Batch &batch)
{
    const int li = ensureLane(node, QString(), batch);
    TimelineLane &l = m_lanes[std::size_t(li)];
    l.lastEventAtMs = std::max(l.lastEventAtMs, at);
    batch.any = true;
    if (isFinished() || isTerminal(l.state))
        return;
    if (!l.tasks.empty()) {
        const TimelineTask &last = l.tasks.back();
        if (last.isOpen() && text(last.name) == task)
            return;
        if (at < last.start)
            return; // stale
        if (!last.isOpen() && at < last.end)
            at = last.end;
    }
    closeOpenTask(l, at);
    if (!task.isEmpty()) {
        l.tasks.push_back(TimelineTask { at, kOpen, intern(task) });
        capFront(l.tasks, std::size_t(kMaxTasksPerLane));
    }
    l.task = task;
    touch(li, batch);
}

void TimelineModel::applyJobState(const JobEvent &e, Batch &batch)
{
    const bool wasFinished = isFinished();
    if (m_job.state != e.jobState || m_job.counts != e.counts || m_job.haltReason != e.haltReason) {
        m_job.state = e.jobState;
        m_job.counts = e.counts;
        m_job.haltReason = e.haltReason;
        batch.job = true;
    }
    if (m_job.state == JobState::Running && m_job.startedAtMs == 0) {
        m_job.startedAtMs = e.atMs;
        batch.job = true;
    }
    if (!wasFinished && isTerminal(e.jobState)) {
        m_job.finishedAtMs = e.atMs;
        batch.job = true;
        closeAllOpen(e.atMs, batch);
    }
}

void TimelineModel::closeAllOpen(qint64 at, Batch &batch)
{
    for (int i = 0; i < int(m_lanes.size()); ++i) {
        TimelineLane &l = m_lanes[std::size_t(i)];
        bool changed = false;
        if (!l.spans.empty() && l.spans.back().isOpen()) {
            l.spans.back().end = std::max(at, l.spans.back().start);
            changed = true;
        }
        if (!l.tasks.empty() && l.tasks.back().isOpen()) {
            l.tasks.back().end = std::max(at, l.tasks.back().start);
            changed = true;
        }
        if (changed)
            touch(i, batch);
    }
}

void TimelineModel::applySnapshot(const Job &job, Batch &batch)
{
    if (m_job.id != 0 && job.id != m_job.id) {
        // Another job: nothing of the old one carries over.
        m_lanes.clear();
        m_laneIndex.clear();
        m_lastSeq = 0;
        batch.structure = true;
    }
    Job header = job;
    header.nodes.clear();
    if (!(header == m_job)) {
        m_job = std::move(header);
        batch.job = true;
    }
    const bool finished = isFinished();

    QSet<QString> seen;
    seen.reserve(job.nodes.size());
    for (const NodeRun &run : job.nodes) {
        if (run.node.isEmpty())
            continue;
        seen.insert(run.node);
        const int li = ensureLane(run.node, run.service, batch);
        TimelineLane &l = m_lanes[std::size_t(li)];
        l.state = run.state;
        l.reason = run.reason;
        l.wait = run.wait;
        l.runStartedAtMs = run.startedAtMs;
        l.lastEventAtMs = std::max(l.lastEventAtMs, run.lastEventAtMs);
        l.maintenanceLeftOn = run.maintenanceLeftOn;

        // The transitions as reported, plus the current state if the list does not end with it.
        QList<StateTransition> tr = run.transitions;
        if (tr.isEmpty() || tr.constLast().state != run.state) {
            const qint64 base
                = tr.isEmpty() ? (job.createdAtMs > 0 ? job.createdAtMs : run.startedAtMs) : tr.constLast().atMs;
            tr.append(StateTransition { run.state, std::max(base, run.lastEventAtMs), run.reason });
        }
        std::vector<TimelineSpan> spans;
        spans.reserve(std::size_t(tr.size()));
        qint64 floor = tr.constFirst().atMs;
        for (qsizetype i = 0; i < tr.size(); ++i) {
            const bool last = i + 1 == tr.size();
            const qint64 start = std::max(tr.at(i).atMs, floor);
            qint64 end = kOpen;
            if (!last)
                end = std::max(tr.at(i + 1).atMs, start);
            else if (finished)
                end = std::max(job.finishedAtMs, start);
            floor = start;
            const quint32 detail = last ? detailFor(run.state, run.reason, run.wait)
                                        : detailFor(tr.at(i).state, tr.at(i).reason, WaitInfo());
            if (!last && end == start)
                continue;
            if (!spans.empty() && spans.back().state == tr.at(i).state) {
                spans.back().end = end;
                spans.back().detail = detail;
                continue;
            }
            spans.push_back(TimelineSpan { start, end, tr.at(i).state, detail });
        }
        capFront(spans, std::size_t(kMaxSpansPerLane));
        const bool spansChanged = spans.size() != l.spans.size()
            || !std::equal(
                spans.begin(), spans.end(), l.spans.begin(), [](const TimelineSpan &a, const TimelineSpan &b) {
                    return a.start == b.start && a.end == b.end && a.state == b.state && a.detail == b.detail;
                });
        if (spansChanged) {
            l.spans = std::move(spans);
            touch(li, batch);
        }

        // Tasks: the snapshot names only the current one. It started no earlier than the node's latest event
        // or its current state, whichever is later: the best estimate a snapshot allows.
        const qint64 stateStart = l.spans.back().start;
        if (isTerminal(run.state) || finished) {
            if (!l.tasks.empty() && l.tasks.back().isOpen()) {
                closeOpenTask(l, finished && !isTerminal(run.state) ? job.finishedAtMs : stateStart);
                touch(li, batch);
            }
            l.task.clear();
        } else if (!run.task.isEmpty()
            && (l.tasks.empty() || !l.tasks.back().isOpen() || text(l.tasks.back().name) != run.task)) {
            qint64 at = std::max(stateStart, run.lastEventAtMs);
            if (!l.tasks.empty())
                at = std::max(at, l.tasks.back().isOpen() ? l.tasks.back().start : l.tasks.back().end);
            closeOpenTask(l, at);
            l.tasks.push_back(TimelineTask { at, kOpen, intern(run.task) });
            l.task = run.task;
            touch(li, batch);
        }
    }

    // A snapshot is the whole truth about which nodes belong to the job.
    const auto gone
        = std::remove_if(m_lanes.begin(), m_lanes.end(), [&](const TimelineLane &l) { return !seen.contains(l.node); });
    if (gone != m_lanes.end()) {
        m_lanes.erase(gone, m_lanes.end());
        batch.structure = true;
    }
    if (batch.structure) {
        // Indices may have shifted; keep the lookup right for the rest of the batch.
        m_laneIndex.clear();
        for (int i = 0; i < int(m_lanes.size()); ++i)
            m_laneIndex.insert(m_lanes[std::size_t(i)].node, i);
    }
    batch.any = true;
}

bool TimelineModel::isFinished() const
{
    return m_job.id != 0 && isTerminal(m_job.state) && m_job.finishedAtMs > 0;
}

qint64 TimelineModel::traceStart() const
{
    if (m_job.createdAtMs > 0)
        return m_job.createdAtMs;
    qint64 start = 0;
    for (const TimelineLane &l : m_lanes) {
        if (!l.spans.empty() && (start == 0 || l.spans.front().start < start))
            start = l.spans.front().start;
    }
    return start;
}

qint64 TimelineModel::traceEnd(qint64 now) const
{
    if (isFinished())
        return m_job.finishedAtMs;
    qint64 end = now;
    // Events stamped slightly ahead of the local clock still belong on screen.
    for (const TimelineLane &l : m_lanes) {
        if (!l.spans.empty())
            end = std::max(end, l.spans.back().start);
    }
    return end;
}

NodeCounts TimelineModel::counts() const
{
    NodeCounts c;
    for (const TimelineLane &l : m_lanes)
        ++c[l.state];
    return c;
}

int TimelineModel::laneOf(const QString &node) const
{
    return m_laneIndex.value(node, -1);
}

int TimelineModel::groupOfLane(int lane) const
{
    const auto it = std::upper_bound(
        m_groups.begin(), m_groups.end(), lane, [](int l, const TimelineGroup &g) { return l < g.firstLane; });
    if (it == m_groups.begin())
        return -1;
    const int g = int(it - m_groups.begin()) - 1;
    return lane < m_groups[std::size_t(g)].firstLane + m_groups[std::size_t(g)].laneCount ? g : -1;
}

// Spans of a lane are disjoint and ordered, so both edges are sorted and either can be binary-searched.
int TimelineModel::firstIndex(int lane, qint64 t) const
{
    const auto &s = m_lanes[std::size_t(lane)].spans;
    return int(std::partition_point(s.begin(), s.end(), [t](const TimelineSpan &x) { return x.end <= t; }) - s.begin());
}

int TimelineModel::lastIndex(int lane, qint64 t) const
{
    const auto &s = m_lanes[std::size_t(lane)].spans;
    return int(std::partition_point(s.begin(), s.end(), [t](const TimelineSpan &x) { return x.start < t; }) - s.begin())
        - 1;
}

int TimelineModel::spanAt(int lane, qint64 t) const
{
    const int i = firstIndex(lane, t);
    return i < spanCount(lane) && span(lane, i).start <= t ? i : -1;
}

int TimelineModel::taskFirstIndex(int lane, qint64 t) const
{
    const auto &s = m_lanes[std::size_t(lane)].tasks;
    return int(std::partition_point(s.begin(), s.end(), [t](const TimelineTask &x) { return x.end <= t; }) - s.begin());
}

int TimelineModel::taskLastIndex(int lane, qint64 t) const
{
    const auto &s = m_lanes[std::size_t(lane)].tasks;
    return int(std::partition_point(s.begin(), s.end(), [t](const TimelineTask &x) { return x.start < t; }) - s.begin())
        - 1;
}

int TimelineModel::taskAt(int lane, qint64 t) const
{
    const int i = taskFirstIndex(lane, t);
    return i < taskCount(lane) && task(lane, i).start <= t ? i : -1;
}

} // namespace Baton
