#include "timelinefixtures.h"

#include <algorithm>
#include <random>

namespace Baton::TimelineFixtures {

namespace {

struct Timed
{
    qint64 at;
    int order; // stable tie-break
    JobEvent event;
};

JobEvent nodeState(
    qint64 jobId, const QString &node, NodeRunState s, qint64 at, const QString &reason = {}, const WaitInfo &wait = {})
{
    JobEvent e;
    e.type = JobEvent::Type::NodeState;
    e.jobId = jobId;
    e.node = node;
    e.nodeState = s;
    e.atMs = at;
    e.reason = reason;
    e.wait = wait;
    return e;
}

JobEvent nodeTask(qint64 jobId, const QString &node, const QString &task, qint64 at)
{
    JobEvent e;
    e.type = JobEvent::Type::NodeTask;
    e.jobId = jobId;
    e.node = node;
    e.task = task;
    e.atMs = at;
    return e;
}

const QStringList kTasks { QStringLiteral("drain connections"), QStringLiteral("stop service"),
    QStringLiteral("apt: upgrade packages"), QStringLiteral("template: render config"), QStringLiteral("start service"),
    QStringLiteral("wait for port"), QStringLiteral("smoke test"), QStringLiteral("restore weight") };

Job baseJob(const Rolling &p)
{
    Job job;
    job.id = p.jobId;
    job.spec.playbook = p.playbook;
    job.spec.target.service = p.services.value(0);
    job.operatorName = QStringLiteral("alice");
    job.state = JobState::Queued;
    job.createdAtMs = p.start;
    for (const QString &svc : p.services) {
        for (int i = 1; i <= p.nodesPerService; ++i) {
            NodeRun r;
            r.node = QStringLiteral("%1-%2").arg(svc).arg(i);
            r.service = svc;
            r.address = QStringLiteral("10.0.%1.%2").arg(p.services.indexOf(svc)).arg(i);
            r.state = NodeRunState::Queued;
            r.transitions << StateTransition { NodeRunState::Queued, p.start, QString() };
            r.lastEventAtMs = p.start;
            job.nodes << r;
        }
    }
    job.counts = job.countNodes();
    return job;
}

} // namespace

std::vector<JobEvent> rollingEvents(const Rolling &p)
{
    std::mt19937 rng(p.seed);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<Timed> out;
    int order = 0;
    auto add = [&](JobEvent e) {
        const qint64 at = e.atMs;
        out.push_back(Timed { at, order++, std::move(e) });
    };

    JobEvent created;
    created.type = JobEvent::Type::JobCreated;
    created.jobId = p.jobId;
    created.atMs = p.start;
    created.job = baseJob(p);
    add(created);
    JobEvent running;
    running.type = JobEvent::Type::JobState;
    running.jobId = p.jobId;
    running.jobState = JobState::Running;
    running.atMs = p.start + 200;
    running.counts[NodeRunState::Queued] = int(p.services.size()) * p.nodesPerService;
    add(running);

    qint64 jobEnd = p.start;
    int nodeNo = 0;
    int failed = 0;
    int succeeded = 0;
    for (const QString &svc : p.services) {
        // Slots of this service: when each frees up. A node takes the earliest free slot.
        std::vector<std::pair<qint64, QString>> slots(std::size_t(std::max(1, p.maxOffline)), { p.start, QString() });
        for (int i = 1; i <= p.nodesPerService; ++i) {
            ++nodeNo;
            const QString node = QStringLiteral("%1-%2").arg(svc).arg(i);
            const qint64 starting = p.start + 500 + uniform(0, 3000);
            add(nodeState(p.jobId, node, NodeRunState::Starting, starting));
            const qint64 askSlot = starting + uniform(800, 2500);
            auto slot = std::min_element(slots.begin(), slots.end());
            qint64 enter = std::max(askSlot, slot->first + uniform(150, 600));
            if (enter > askSlot + 1) {
                WaitInfo w;
                for (const auto &s : slots) {
                    if (s.first > askSlot && !s.second.isEmpty())
                        w.holders << s.second;
                }
                if (nodeNo % 7 == 3)
                    w.offline << OfflinePeer { QStringLiteral("%1-%2").arg(svc).arg(p.nodesPerService + 1),
                        QStringLiteral("critical: http") };
                w.limit = p.maxOffline;
                w.maxOffline = QString::number(p.maxOffline);
                add(nodeState(p.jobId, node, NodeRunState::WaitingForSlot, askSlot, w.describe(), w));
            }
            add(nodeState(p.jobId, node, NodeRunState::InMaintenance, enter,
                QStringLiteral("baton job %1 by alice").arg(p.jobId)));
            qint64 t = enter;
            const bool fails = p.failEvery > 0 && nodeNo % p.failEvery == 0;
            const int tasks = fails ? std::max(1, p.tasksPerNode / 2) : p.tasksPerNode;
            for (int k = 0; k < tasks; ++k) {
                add(nodeTask(p.jobId, node, kTasks.at(k % kTasks.size()), t));
                t += uniform(4'000, 40'000);
            }
            qint64 done;
            if (fails) {
                add(nodeState(p.jobId, node, NodeRunState::Failed, t,
                    QStringLiteral("task '%1' failed: exit code 2").arg(kTasks.at((tasks - 1) % kTasks.size()))));
                done = t;
                ++failed;
            } else {
                add(nodeState(p.jobId, node, NodeRunState::Verifying, t));
                done = t + uniform(3'000, 15'000);
                add(nodeState(p.jobId, node, NodeRunState::Succeeded, done));
                ++succeeded;
            }
            *slot = { done, node };
            jobEnd = std::max(jobEnd, done);
        }
    }
    JobEvent end;
    end.type = JobEvent::Type::JobState;
    end.jobId = p.jobId;
    end.jobState = failed == 0 ? JobState::Succeeded : (succeeded > 0 ? JobState::PartiallyFailed : JobState::Failed);
    end.atMs = jobEnd + 300;
    end.counts[NodeRunState::Succeeded] = succeeded;
    end.counts[NodeRunState::Failed] = failed;
    add(end);

    std::stable_sort(out.begin(), out.end(),
        [](const Timed &a, const Timed &b) { return a.at != b.at ? a.at < b.at : a.order < b.order; });
    std::vector<JobEvent> events;
    events.reserve(out.size());
    quint64 seq = 0;
    for (Timed &t : out) {
        t.event.seq = ++seq;
        events.push_back(std::move(t.event));
    }
    return events;
}

qint64 rollingEnd(const Rolling &p)
{
    const auto events = rollingEvents(p);
    return events.empty() ? p.start : events.back().atMs;
}

Job rollingJob(const Rolling &p, qint64 now)
{
    const auto events = rollingEvents(p);
    Job job = baseJob(p);
    for (const JobEvent &e : events) {
        if (now > 0 && e.atMs > now)
            break;
        switch (e.type) {
        case JobEvent::Type::JobState:
            job.state = e.jobState;
            if (e.jobState == JobState::Running)
                job.startedAtMs = e.atMs;
            if (isTerminal(e.jobState))
                job.finishedAtMs = e.atMs;
            break;
        case JobEvent::Type::NodeState:
            if (NodeRun *r = job.findNode(e.node)) {
                r->state = e.nodeState;
                r->reason = e.reason;
                r->wait = e.wait;
                r->transitions << StateTransition { e.nodeState, e.atMs, e.reason };
                r->lastEventAtMs = e.atMs;
                if (e.nodeState == NodeRunState::Starting)
                    r->startedAtMs = e.atMs;
                if (isTerminal(e.nodeState)) {
                    r->finishedAtMs = e.atMs;
                    r->task.clear();
                }
            }
            break;
        case JobEvent::Type::NodeTask:
            if (NodeRun *r = job.findNode(e.node)) {
                r->task = e.task;
                r->lastEventAtMs = e.atMs;
            }
            break;
        default:
            break;
        }
    }
    job.counts = job.countNodes();
    return job;
}

Job denseJob(int lanes, int segments, qint64 start, qint64 meanSpanMs, quint32 seed)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<qint64> len(
        std::max<qint64>(1, meanSpanMs / 4), std::max<qint64>(2, meanSpanMs * 7 / 4));
    static const NodeRunState cycle[] = { NodeRunState::Queued, NodeRunState::WaitingForNode, NodeRunState::Starting,
        NodeRunState::WaitingForSlot, NodeRunState::InMaintenance, NodeRunState::Verifying };
    Job job;
    job.id = 7;
    job.spec.playbook = QStringLiteral("bench.yml");
    job.state = JobState::Running;
    job.createdAtMs = start;
    job.startedAtMs = start;
    job.nodes.reserve(lanes);
    const int services = std::max(1, lanes / 500);
    for (int i = 0; i < lanes; ++i) {
        NodeRun r;
        r.service = QStringLiteral("svc-%1").arg(i % services);
        r.node = QStringLiteral("%1-node-%2").arg(r.service).arg(i);
        r.transitions.reserve(segments);
        qint64 t = start;
        for (int k = 0; k < segments; ++k) {
            r.transitions << StateTransition { cycle[(k + i) % 6], t, QString() };
            t += len(rng);
        }
        r.state = r.transitions.constLast().state;
        r.lastEventAtMs = r.transitions.constLast().atMs;
        job.nodes << std::move(r);
    }
    job.counts = job.countNodes();
    return job;
}

} // namespace Baton::TimelineFixtures
