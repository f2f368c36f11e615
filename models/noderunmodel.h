#pragma once

#include "core/domain/job.h"
#include "core/domain/jobevent.h"

#include <functional>

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <QTimer>

namespace Baton {

// Every node run of one job, for the detail pane: state, why, what it is doing, timings. Follows the event stream
// with the same batching as the job list (one coalesced dataChanged per tick; the node set of a job is fixed, so
// live updates never insert or remove). Selecting another job is a reset.
class NodeRunModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        NodeColumn,
        StateColumn,
        DetailColumn,
        TaskColumn,
        StartedColumn,
        DurationColumn,
        LastEventColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role
    {
        NodeNameRole = Qt::UserRole + 1,
        NodeStateRole, // Baton::NodeRunState
        StuckRole, // bool
        MaintenanceLeftOnRole, // bool
        WaitInfoRole, // Baton::WaitInfo (waiting_for_slot)
        CancellableRole, // bool: not finished yet
        DroppableRole, // bool: has not started (a plain drop is enough)
        SortRole,
    };

    explicit NodeRunModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    // Shows `job` (a reset when it is another job or its node set differs; otherwise batched changes).
    void setJob(const Job &job);
    void clear();
    qint64 jobId() const { return m_job.id; }
    const Job &job() const { return m_job; }
    bool hasJob() const { return m_job.id > 0; }

    void applyEvents(const QList<JobEvent> &events);
    void flush();
    void setTickInterval(int ms) { m_tickMs = std::max(0, ms); }
    void setStuckAfterMs(qint64 ms);
    void setClock(std::function<qint64()> clock);

    const NodeRun *nodeAt(int row) const;
    int rowOfNode(const QString &node) const;
    QStringList failedNodes() const;
    bool isStuck(const QString &node) const;

Q_SIGNALS:
    // The event referred to a node this model does not know: the job's snapshot is stale.
    void snapshotNeeded(qint64 jobId);
    void nodeBecameStuck(const QString &node);

private:
    void touch(int row);
    void scheduleTick();
    void refreshStuck();
    bool computeStuck(const NodeRun &run) const;
    qint64 now() const;

    Job m_job;
    QHash<QString, int> m_rowOf;
    QSet<QString> m_stuck;
    QSet<int> m_dirty;
    QTimer m_tick;
    QTimer m_clockTimer;
    int m_tickMs = 100;
    qint64 m_stuckAfterMs = 10 * 60 * 1000;
    std::function<qint64()> m_clock;
};

} // namespace Baton
