#pragma once

#include "core/domain/job.h"
#include "core/domain/jobevent.h"
#include "models/jobfilter.h"
#include "models/stringpool.h"

#include <functional>
#include <vector>

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <QTimer>

namespace Baton {

// The live job list: history from the service plus everything the event stream says, newest first.
//
// Built for a long-running console with a big history:
// - rows are compact (interned strings, counts inline) and data() is O(1): display row → storage index → row;
// - live changes are batched: events update rows at once but signals go out on a tick (default 100 ms) as one
//   beginInsertRows for new jobs and one dataChanged spanning every changed row, never a reset or a layout
//   change; with the default order new jobs are always one block at the top;
// - sorting and filtering happen here, not in a proxy: the filter is the one sent to the service, applied to
//   live jobs too; a user sort is a snapshot (live changes do not move rows until the next sort).
//
// Counts come from job.state events, or are kept from node.state events for jobs whose node states are known
// (from a job.created event or a snapshot). For a node event about a job whose nodes are unknown, the model asks
// for a snapshot (snapshotNeeded) instead of guessing.
class JobListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        IdColumn,
        StateColumn,
        ProgressColumn,
        PlaybookColumn,
        TargetColumn,
        OperatorColumn,
        CreatedColumn,
        DurationColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role
    {
        JobIdRole = Qt::UserRole + 1, // qint64
        JobStateRole, // Baton::JobState
        CountsRole, // Baton::NodeCounts
        FailureShareRole, // double, failed nodes / all nodes
        StuckRole, // bool: an active node has been silent too long, or the job ran past its timeout
        HaltedRole, // bool: a failure stopped admission of new nodes
        HaltReasonRole, // QString
        CheckModeRole, // bool
        SortRole, // a value that sorts the column (numbers as numbers)
    };

    // Per-tick statistics, for status lines and the event-path benchmark.
    struct TickStats
    {
        int inserted = 0;
        int changed = 0; // rows in the one dataChanged
        int removed = 0; // rows that stopped matching the filter
        qint64 firstRow = -1; // of the dataChanged range
        qint64 lastRow = -1;
    };

    explicit JobListModel(QObject *parent = nullptr);
    ~JobListModel() override;

    // QAbstractItemModel
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    // History. replaceHistory resets the model (a new profile or filter: not a live update); appendHistory adds an
    // older page at the end with one insert.
    void replaceHistory(const QList<Job> &newestFirst, bool hasMore);
    void appendHistory(const QList<Job> &olderPage, bool hasMore);
    void clear();
    void setHasMore(bool hasMore) { m_hasMore = hasMore; }

    // Live. Both are batched until the next tick.
    void applyEvents(const QList<JobEvent> &events);
    void upsertJob(const Job &job); // a snapshot from REST (launch answer, job detail, resync page)

    // Signals everything pending now (tests, benchmarks, and before a resync).
    void flush();
    void setTickInterval(int ms);
    int tickInterval() const { return m_tickMs; }

    void setFilter(const JobFilter &filter);
    const JobFilter &filter() const { return m_filter; }

    // A run with no event for this long (or past its timeout) is flagged stuck. 0 turns the check off.
    void setStuckAfterMs(qint64 ms);
    qint64 stuckAfterMs() const { return m_stuckAfterMs; }
    // The clock used for durations and stuck checks; tests set a fixed one.
    void setClock(std::function<qint64()> clock);

    // Lookups.
    int rowOfJob(qint64 id) const; // -1 if not shown
    qint64 jobIdAt(int row) const;
    bool contains(qint64 id) const { return m_byId.contains(id); }
    JobState jobState(qint64 id) const;
    NodeCounts jobCounts(qint64 id) const;
    QString jobPlaybook(qint64 id) const;
    QString jobService(qint64 id) const;
    QString jobOperator(qint64 id) const;
    bool isStuck(qint64 id) const;
    int totalJobs() const { return int(m_rows.size()); }
    // Ids of jobs not finished yet, and of those whose node states are known.
    QList<qint64> activeJobIds() const;
    // The active job with the most node runs in flight (then the most waiting, then the newest); 0 when none is
    // active. What a screenshot or a newcomer most wants to look at.
    qint64 busiestActiveJob() const;
    // Median duration in seconds of finished jobs with this playbook and service (service empty: any), and
    // how many runs it is based on. For the launch dialog's estimate.
    std::pair<qint64, int> medianDurationS(const QString &playbook, const QString &service) const;
    // Nodes of active jobs of `service` that wait for a slot, longest waiting first.
    QStringList nodesWaitingForSlot(const QString &service) const;
    // The same for every service at once (one pass over the active jobs).
    QHash<QString, QStringList> nodesWaitingForSlotByService() const;
    // Node → job for every node of an active job that is not finished (the nodes a job holds or will hold).
    QHash<QString, qint64> activeNodes() const;
    const TickStats &lastTick() const { return m_lastTick; }

Q_SIGNALS:
    // An event referred to a job or node state the model cannot place; fetch GET /v1/jobs/{id} and upsertJob it.
    void snapshotNeeded(qint64 jobId);
    // Emitted at the tick that signals the change.
    void jobStateChanged(qint64 jobId, Baton::JobState from, Baton::JobState to);
    void jobHalted(qint64 jobId, const QString &reason);
    void jobBecameStuck(qint64 jobId);
    // After each tick that changed anything: what went out.
    void ticked(const Baton::JobListModel::TickStats &stats);
    // The view scrolled to the end and the service has older jobs.
    void moreRequested();

private:
    struct Row
    {
        qint64 id = 0;
        quint32 playbook = 0;
        quint32 service = 0;
        quint32 target = 0;
        quint32 operatorName = 0;
        JobState state = JobState::Queued;
        bool stuck = false;
        bool halted = false;
        bool checkMode = false;
        bool cancelRequested = false;
        bool dirty = false; // changed since the last tick
        bool shown = false; // in m_order (passes the filter)
        bool pending = false; // stored but not yet signalled as inserted
        int timeoutS = 0;
        qint64 createdAtMs = 0;
        qint64 startedAtMs = 0;
        qint64 finishedAtMs = 0;
        qint64 lastActivityMs = 0; // newest event for this job, in the console's clock
        NodeCounts counts;
    };

    // Node states of jobs that are still active: what node.state events are applied against.
    struct LiveNodes
    {
        QHash<QString, NodeRunState> states;
        QHash<QString, qint64> waitingSince; // waiting_for_slot entry, for queue order
        QString service;
    };

    quint32 storeJob(const Job &job); // a new row (pending), no signal
    void fillRow(Row &row, const Job &job);
    void learnNodes(const Job &job);
    void touch(quint32 index);
    void applyOne(const JobEvent &event);
    bool passes(const Row &row) const;
    bool lessThan(quint32 a, quint32 b) const; // display order under the current sort
    qsizetype displayPosition(quint32 index) const; // where a row would go in m_order
    qsizetype displayRowOf(quint32 index) const; // -1 if not shown
    void rebuildOrder();
    void scheduleTick();
    void checkStuck();
    void noteActivity(quint32 index); // keeps m_active in step with the row's state
    QString formatDuration(const Row &row) const;
    qint64 now() const;

    std::vector<Row> m_rows; // arrival order; rows are never moved or removed while the model lives
    std::vector<quint32> m_order; // display row → storage index
    mutable std::vector<qint64> m_rowOf; // storage index → display row, rebuilt lazily for user sorts
    mutable bool m_rowOfValid = false;
    QHash<qint64, quint32> m_byId;
    QHash<qint64, LiveNodes> m_live;
    QSet<quint32> m_active; // storage indices of jobs not finished: what the clock timer visits
    QHash<qint64, QString> m_haltReasons;
    QHash<qint64, JobState> m_signalledState; // the state views were last told, for jobStateChanged
    std::vector<quint32> m_pendingInserts;
    std::vector<quint32> m_dirty;
    StringPool m_strings;
    JobFilter m_filter;
    int m_sortColumn = IdColumn;
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;
    bool m_hasMore = false;
    int m_tickMs = 100;
    QTimer m_tick;
    QTimer m_clockTimer; // refreshes durations and stuck flags of active rows
    qint64 m_stuckAfterMs = 10 * 60 * 1000;
    std::function<qint64()> m_clock;
    TickStats m_lastTick;
};

} // namespace Baton

Q_DECLARE_METATYPE(Baton::JobListModel::TickStats)
