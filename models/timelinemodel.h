#pragma once

#include "core/domain/job.h"
#include "core/domain/jobevent.h"

#include <limits>
#include <vector>

#include <QHash>
#include <QList>
#include <QObject>
#include <QStringList>
#include <QTimer>

namespace Baton {

// One state of one node run on the timeline: [start, end) in ms since the epoch. A span whose end is
// TimelineModel::kOpen is still running; painters clamp it to "now".
struct TimelineSpan
{
    qint64 start = 0;
    qint64 end = 0;
    NodeRunState state = NodeRunState::Queued;
    quint32 detail = 0; // the reason shown in tooltips, interned: TimelineModel::text(detail); 0 = none

    bool isOpen() const { return end == std::numeric_limits<qint64>::max(); }
};

// One Ansible task of a node run (a sub-span; the service reports them while the node is in maintenance).
struct TimelineTask
{
    qint64 start = 0;
    qint64 end = 0; // TimelineModel::kOpen while it runs
    quint32 name = 0; // interned: TimelineModel::text(name)

    bool isOpen() const { return end == std::numeric_limits<qint64>::max(); }
};

// One node's lane. Spans are sorted by start, never overlap and follow each other without gaps, so they are
// sorted by end as well: that is what lets firstIndex()/lastIndex() binary-search either edge.
struct TimelineLane
{
    QString node;
    QString service;
    NodeRunState state = NodeRunState::Queued; // current state
    QString reason; // current reason, as reported
    WaitInfo wait; // current structured waiting reason (waiting_for_slot)
    QString task; // current task
    qint64 runStartedAtMs = 0; // when the node's runner started (for the node timeout), 0 if unknown
    qint64 lastEventAtMs = 0; // the newest event about this node, logs included (stuck detection)
    bool maintenanceLeftOn = false;
    std::vector<TimelineSpan> spans;
    std::vector<TimelineTask> tasks;
    quint64 generation = 0; // bumped whenever spans or tasks of this lane change
};

// Lanes are grouped by service; a group is a contiguous block of lanes.
struct TimelineGroup
{
    QString service; // empty for nodes named without a service
    int firstLane = 0;
    int laneCount = 0;
};

// \class TimelineModel
// \brief The per-node timeline of one job: lanes of state spans and task sub-spans, fed from a Job snapshot
// plus the live JobEvents of the event stream.
//
// Shaped after Qt Creator's TimelineModel (sorted ranges, binary search for the visible window) but built
// for streaming: open spans grow until the next state arrives, events are queued and applied in one batch per
// tick (one set of signals per batch, never per event), and out-of-date events are dropped instead of
// reordering history. It is deliberately not a QAbstractItemModel: the painter needs range queries per lane,
// not item roles.
//
// Lanes are ordered by service (alphabetically, nodes without a service last) and within a service by node
// name in natural order (web-2 before web-10), so a lane keeps its place for the whole job.
class TimelineModel : public QObject
{
    Q_OBJECT

public:
    static constexpr qint64 kOpen = std::numeric_limits<qint64>::max();
    // A lane keeps at most this many spans and tasks; beyond, the oldest are dropped (memory stays bounded
    // however long a misbehaving stream runs).
    static constexpr int kMaxSpansPerLane = 20'000;
    static constexpr int kMaxTasksPerLane = 20'000;
    // Queued events beyond this are applied at once instead of waiting for the tick.
    static constexpr int kMaxPendingEvents = 20'000;

    explicit TimelineModel(QObject *parent = nullptr);
    ~TimelineModel() override;

    // Node names in natural order: web-2 before web-10 (the order of lanes, and of node lists elsewhere).
    static bool nodeLess(const QString &a, const QString &b);

    // --- Feeding ---------------------------------------------------------------------------------------------

    // Replaces the model's picture of the job by this snapshot (GET /v1/jobs/{id} or job.created). Queued events
    // are applied first. State spans come from each NodeRun's transitions; task history already recorded from
    // events is kept (a snapshot carries only the current task). Nodes missing from the snapshot are removed.
    void setJob(const Job &job);

    // Queues one event of the stream for the next batch. Returns false (and queues nothing) for events of
    // another job and for kinds the timeline does not show (heartbeats, resync). Events whose seq is not newer
    // than the last applied one are dropped as duplicates of a resumed stream.
    bool applyEvent(const JobEvent &event);

    // Applies the queued events now (tests, benchmarks, or before reading in the same turn).
    void flush();
    void clear();

    // How long events wait for their batch. 0 applies them on the next event-loop turn.
    void setBatchInterval(int ms);
    int batchInterval() const { return m_batchIntervalMs; }
    int pendingEvents() const { return int(m_pending.size()); }

    // --- The job ---------------------------------------------------------------------------------------------

    // The job's header fields (nodes are in the lanes, so job().nodes is empty).
    const Job &job() const { return m_job; }
    qint64 jobId() const { return m_job.id; }
    bool isFinished() const; // the job reached a terminal state
    bool hasOpenSpans() const { return m_openSpans > 0; }
    // The interval the job covers: from its creation (or first span) to its end, or to `now` while it runs.
    qint64 traceStart() const;
    qint64 traceEnd(qint64 now) const;
    NodeCounts counts() const; // counted from the lanes' current states

    // --- Lanes and groups ------------------------------------------------------------------------------------

    int laneCount() const { return int(m_lanes.size()); }
    const TimelineLane &lane(int index) const { return m_lanes[std::size_t(index)]; }
    int laneOf(const QString &node) const; // -1 if unknown
    int groupCount() const { return int(m_groups.size()); }
    const TimelineGroup &group(int index) const { return m_groups[std::size_t(index)]; }
    int groupOfLane(int lane) const;

    // --- Spans (binary search per lane) ----------------------------------------------------------------------

    int spanCount(int lane) const { return int(m_lanes[std::size_t(lane)].spans.size()); }
    const TimelineSpan &span(int lane, int index) const { return m_lanes[std::size_t(lane)].spans[std::size_t(index)]; }
    // First span that ends after t (open spans never end): the first one visible in a window starting at t.
    // spanCount(lane) when none.
    int firstIndex(int lane, qint64 t) const;
    // Last span that starts before t: the last one visible in a window ending at t. -1 when none.
    int lastIndex(int lane, qint64 t) const;
    // The span covering t, or -1.
    int spanAt(int lane, qint64 t) const;

    int taskCount(int lane) const { return int(m_lanes[std::size_t(lane)].tasks.size()); }
    const TimelineTask &task(int lane, int index) const { return m_lanes[std::size_t(lane)].tasks[std::size_t(index)]; }
    int taskFirstIndex(int lane, qint64 t) const;
    int taskLastIndex(int lane, qint64 t) const;
    int taskAt(int lane, qint64 t) const;

    const QString &text(quint32 id) const;

    // Bumped once per applied batch or snapshot that changed spans, tasks or lanes; caches key on it.
    quint64 generation() const { return m_generation; }
    quint64 structureGeneration() const { return m_structureGeneration; }

Q_SIGNALS:
    // The set or order of lanes changed: lane indices from before are void.
    void lanesReset();
    // Spans or tasks of lanes first..last changed (one signal per batch, covering every changed lane).
    void lanesChanged(int firstLane, int lastLane);
    // Header fields of the job changed (state, counts, halt reason, times).
    void jobChanged();
    // A batch or snapshot was applied and changed something, activity times included. Once per batch.
    void updated();

private:
    struct Batch;

    void scheduleFlush();
    void applyOne(const JobEvent &event, Batch &batch);
    void applySnapshot(const Job &job, Batch &batch);
    void applyNodeState(const JobEvent &event, Batch &batch);
    void applyNodeTask(const QString &node, const QString &task, qint64 at, Batch &batch);
    void applyJobState(const JobEvent &event, Batch &batch);
    void closeAllOpen(qint64 at, Batch &batch);
    int ensureLane(const QString &node, const QString &service, Batch &batch);
    void rebuildIndex();
    void touch(int lane, Batch &batch);
    void finish(Batch &batch);
    quint32 intern(const QString &text);
    quint32 detailFor(NodeRunState state, const QString &reason, const WaitInfo &wait);
    void recountOpen();

    Job m_job;
    std::vector<TimelineLane> m_lanes;
    std::vector<TimelineGroup> m_groups;
    QHash<QString, int> m_laneIndex;
    QStringList m_texts;
    QHash<QString, quint32> m_textIds;
    std::vector<JobEvent> m_pending;
    QTimer m_flushTimer;
    int m_batchIntervalMs = 100;
    quint64 m_lastSeq = 0;
    quint64 m_generation = 0;
    quint64 m_structureGeneration = 0;
    int m_openSpans = 0;
};

} // namespace Baton
