#include "models/noderunmodel.h"

#include "core/base/timestamps.h"
#include "models/formatting.h"

namespace Baton {

NodeRunModel::NodeRunModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock(&Timestamps::nowMs)
{
    m_tick.setSingleShot(true);
    m_tick.setTimerType(Qt::CoarseTimer);
    connect(&m_tick, &QTimer::timeout, this, &NodeRunModel::flush);
    m_clockTimer.setInterval(1000);
    m_clockTimer.setTimerType(Qt::CoarseTimer);
    connect(&m_clockTimer, &QTimer::timeout, this, &NodeRunModel::refreshStuck);
}

qint64 NodeRunModel::now() const
{
    return m_clock();
}

void NodeRunModel::setClock(std::function<qint64()> clock)
{
    m_clock = clock ? std::move(clock) : std::function<qint64()>(&Timestamps::nowMs);
}

void NodeRunModel::setStuckAfterMs(qint64 ms)
{
    m_stuckAfterMs = std::max<qint64>(0, ms);
    refreshStuck();
}

int NodeRunModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_job.nodes.size());
}

int NodeRunModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool NodeRunModel::computeStuck(const NodeRun &run) const
{
    if (!isActive(run.state))
        return false;
    const qint64 t = now();
    const qint64 last = std::max(run.lastEventAtMs, run.startedAtMs);
    if (m_stuckAfterMs > 0 && last > 0 && t - last > m_stuckAfterMs)
        return true;
    return run.startedAtMs > 0 && m_job.spec.nodeTimeoutS > 0
        && t > run.startedAtMs + qint64(m_job.spec.nodeTimeoutS) * 1000;
}

QVariant NodeRunModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_job.nodes.size())
        return {};
    const NodeRun &r = m_job.nodes[index.row()];
    const bool stuck = m_stuck.contains(r.node);
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case NodeColumn:
            return r.node;
        case StateColumn: {
            QString text = displayName(r.state);
            if (stuck)
                text += QStringLiteral(" · stuck");
            if (r.maintenanceLeftOn)
                text += QStringLiteral(" · kept in maintenance");
            return text;
        }
        case DetailColumn:
            if (r.state == NodeRunState::WaitingForSlot && !r.wait.isEmpty())
                return r.wait.describe();
            return r.reason;
        case TaskColumn:
            return isTerminal(r.state) ? QString() : r.task;
        case StartedColumn:
            return Format::time(r.startedAtMs, now());
        case DurationColumn: {
            if (r.startedAtMs <= 0)
                return {};
            const qint64 end = r.finishedAtMs > 0 ? r.finishedAtMs : now();
            return Format::duration(std::max<qint64>(0, end - r.startedAtMs) / 1000);
        }
        case LastEventColumn:
            return Format::ago(r.lastEventAtMs, now());
        case ColumnCount:
            break;
        }
        return {};
    case Qt::ToolTipRole: {
        QStringList lines { QStringLiteral("%1: %2").arg(r.node, displayName(r.state)) };
        if (!r.reason.isEmpty())
            lines << r.reason;
        if (!r.wait.isEmpty())
            lines << r.wait.describe();
        for (const StateTransition &t : r.transitions)
            lines << QStringLiteral("%1  %2%3")
                         .arg(Format::time(t.atMs, now()), displayName(t.state),
                             t.reason.isEmpty() ? QString() : QStringLiteral(" — ") + t.reason);
        if (r.exitCode)
            lines << QStringLiteral("exit code %1").arg(*r.exitCode);
        if (stuck)
            lines << QStringLiteral("No event for a long time, or past the node timeout: force-kill it?");
        return lines.join(u'\n');
    }
    case NodeNameRole:
        return r.node;
    case NodeStateRole:
        return QVariant::fromValue(r.state);
    case StuckRole:
        return stuck;
    case MaintenanceLeftOnRole:
        return r.maintenanceLeftOn;
    case WaitInfoRole:
        return QVariant::fromValue(r.wait);
    case CancellableRole:
        return !isTerminal(r.state);
    case DroppableRole:
        return isWaiting(r.state);
    case SortRole:
        switch (Column(index.column())) {
        case StateColumn:
            return int(r.state);
        case StartedColumn:
            return r.startedAtMs;
        case DurationColumn:
            return r.startedAtMs > 0 ? (r.finishedAtMs > 0 ? r.finishedAtMs : now()) - r.startedAtMs : -1;
        case LastEventColumn:
            return r.lastEventAtMs;
        default:
            return data(index, Qt::DisplayRole);
        }
    default:
        return {};
    }
}

QVariant NodeRunModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case NodeColumn:
        return QStringLiteral("Node");
    case StateColumn:
        return QStringLiteral("State");
    case DetailColumn:
        return QStringLiteral("Reason");
    case TaskColumn:
        return QStringLiteral("Task");
    case StartedColumn:
        return QStringLiteral("Started");
    case DurationColumn:
        return QStringLiteral("Duration");
    case LastEventColumn:
        return QStringLiteral("Last event");
    case ColumnCount:
        break;
    }
    return {};
}

void NodeRunModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= ColumnCount || m_job.nodes.isEmpty())
        return;
    flush();
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    QStringList names;
    for (const QModelIndex &i : before)
        names << m_job.nodes[i.row()].node;
    QList<std::pair<QVariant, int>> keys;
    for (int row = 0; row < m_job.nodes.size(); ++row)
        keys.append({ data(index(row, column), SortRole), row });
    std::stable_sort(keys.begin(), keys.end(), [order](const auto &a, const auto &b) {
        const auto c = QVariant::compare(a.first, b.first);
        return order == Qt::AscendingOrder ? c == QPartialOrdering::Less : c == QPartialOrdering::Greater;
    });
    QList<NodeRun> sorted;
    sorted.reserve(m_job.nodes.size());
    for (const auto &k : keys)
        sorted.append(m_job.nodes[k.second]);
    m_job.nodes = std::move(sorted);
    m_rowOf.clear();
    for (int row = 0; row < m_job.nodes.size(); ++row)
        m_rowOf.insert(m_job.nodes[row].node, row);
    QModelIndexList after;
    for (qsizetype k = 0; k < before.size(); ++k)
        after.append(index(m_rowOf.value(names[k], -1), before[k].column()));
    changePersistentIndexList(before, after);
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void NodeRunModel::setJob(const Job &job)
{
    bool sameShape = job.id == m_job.id && job.nodes.size() == m_job.nodes.size();
    if (sameShape) {
        for (const NodeRun &n : job.nodes) {
            if (!m_rowOf.contains(n.node)) {
                sameShape = false;
                break;
            }
        }
    }
    if (!sameShape) {
        beginResetModel();
        m_tick.stop();
        m_dirty.clear();
        m_job = job;
        m_rowOf.clear();
        for (int row = 0; row < m_job.nodes.size(); ++row)
            m_rowOf.insert(m_job.nodes[row].node, row);
        m_stuck.clear();
        endResetModel();
        refreshStuck();
        return;
    }
    // The same job refreshed: keep the rows (and the user's sort), update values.
    QList<NodeRun> nodes = m_job.nodes;
    for (const NodeRun &n : job.nodes) {
        const int row = m_rowOf.value(n.node);
        if (nodes[row] != n) {
            nodes[row] = n;
            touch(row);
        }
    }
    m_job = job;
    m_job.nodes = std::move(nodes);
    scheduleTick();
}

void NodeRunModel::clear()
{
    beginResetModel();
    m_tick.stop();
    m_dirty.clear();
    m_job = Job {};
    m_rowOf.clear();
    m_stuck.clear();
    m_clockTimer.stop();
    endResetModel();
}

void NodeRunModel::applyEvents(const QList<JobEvent> &events)
{
    if (m_job.id <= 0)
        return;
    bool unknown = false;
    for (const JobEvent &e : events) {
        if (e.jobId != m_job.id)
            continue;
        switch (e.type) {
        case JobEvent::Type::JobState:
            m_job.state = e.jobState;
            if (e.counts.total() > 0)
                m_job.counts = e.counts;
            m_job.haltReason = e.haltReason;
            break;
        case JobEvent::Type::NodeState:
        case JobEvent::Type::NodeTask:
        case JobEvent::Type::NodeLog: {
            const auto it = m_rowOf.constFind(e.node);
            if (it == m_rowOf.constEnd()) {
                unknown = true;
                break;
            }
            NodeRun &r = m_job.nodes[*it];
            const qint64 at = e.atMs > 0 ? e.atMs : now();
            r.lastEventAtMs = std::max(r.lastEventAtMs, at);
            if (e.type == JobEvent::Type::NodeState) {
                if (r.state != e.nodeState || r.transitions.isEmpty())
                    r.transitions.append({ e.nodeState, at, e.reason });
                r.state = e.nodeState;
                r.reason = e.reason;
                r.wait = e.wait;
                if (!e.task.isEmpty() || isTerminal(e.nodeState))
                    r.task = e.task;
                if (r.startedAtMs == 0 && e.nodeState != NodeRunState::Queued && !isWaiting(e.nodeState))
                    r.startedAtMs = at;
                if (isTerminal(e.nodeState) && r.finishedAtMs == 0)
                    r.finishedAtMs = at;
            } else if (e.type == JobEvent::Type::NodeTask) {
                r.task = e.task;
            } else {
                r.logBytes = std::max(r.logBytes, e.offset + qint64(e.text.toUtf8().size()));
            }
            if (m_stuck.remove(r.node) || e.type != JobEvent::Type::NodeLog)
                touch(*it);
            break;
        }
        default:
            break;
        }
    }
    if (unknown)
        Q_EMIT snapshotNeeded(m_job.id);
    scheduleTick();
}

void NodeRunModel::touch(int row)
{
    m_dirty.insert(row);
}

void NodeRunModel::scheduleTick()
{
    if (m_dirty.isEmpty())
        return;
    if (m_tickMs == 0) {
        flush();
        return;
    }
    if (!m_tick.isActive())
        m_tick.start(m_tickMs);
    if (!m_clockTimer.isActive())
        m_clockTimer.start();
}

void NodeRunModel::flush()
{
    m_tick.stop();
    if (m_dirty.isEmpty())
        return;
    int lo = INT_MAX;
    int hi = -1;
    for (int row : std::as_const(m_dirty)) {
        lo = std::min(lo, row);
        hi = std::max(hi, row);
    }
    m_dirty.clear();
    if (hi >= 0 && hi < m_job.nodes.size())
        Q_EMIT dataChanged(index(lo, 0), index(hi, ColumnCount - 1));
}

void NodeRunModel::refreshStuck()
{
    bool anyActive = false;
    for (int row = 0; row < m_job.nodes.size(); ++row) {
        const NodeRun &r = m_job.nodes[row];
        if (!isActive(r.state) && !isWaiting(r.state))
            continue;
        anyActive = true;
        const bool stuck = computeStuck(r);
        if (stuck != m_stuck.contains(r.node)) {
            if (stuck) {
                m_stuck.insert(r.node);
                Q_EMIT nodeBecameStuck(r.node);
            } else {
                m_stuck.remove(r.node);
            }
        }
        if (r.startedAtMs > 0 || r.lastEventAtMs > 0)
            touch(row); // durations and "ago" move
    }
    if (anyActive) {
        if (!m_clockTimer.isActive())
            m_clockTimer.start();
    } else {
        m_clockTimer.stop();
    }
    scheduleTick();
}

const NodeRun *NodeRunModel::nodeAt(int row) const
{
    return row >= 0 && row < m_job.nodes.size() ? &m_job.nodes[row] : nullptr;
}

int NodeRunModel::rowOfNode(const QString &node) const
{
    return m_rowOf.value(node, -1);
}

QStringList NodeRunModel::failedNodes() const
{
    QStringList out;
    for (const NodeRun &r : m_job.nodes) {
        if (isFailure(r.state))
            out << r.node;
    }
    return out;
}

bool NodeRunModel::isStuck(const QString &node) const
{
    return m_stuck.contains(node);
}

} // namespace Baton
