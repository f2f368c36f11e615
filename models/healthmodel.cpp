#include "models/healthmodel.h"

#include "core/base/timestamps.h"
#include "models/formatting.h"

#include <algorithm>

namespace Baton {

namespace {

int severity(const Consul::HealthCheck &c)
{
    if (c.isMaintenance())
        return 0;
    switch (c.status) {
    case Consul::CheckStatus::Critical:
        return 1;
    case Consul::CheckStatus::Warning:
    case Consul::CheckStatus::Unknown:
        return 2;
    case Consul::CheckStatus::Passing:
        return 3;
    }
    return 3;
}

QString firstLine(const QString &text)
{
    const qsizetype nl = text.indexOf(u'\n');
    return (nl >= 0 ? text.left(nl) : text).left(200);
}

QString statusText(Consul::CheckStatus s)
{
    return Consul::checkStatusToWire(s);
}

} // namespace

HealthModel::HealthModel(QObject *parent)
    : QAbstractItemModel(parent)
    , m_clock(&Timestamps::nowMs)
{ }

void HealthModel::setClock(std::function<qint64()> clock)
{
    m_clock = clock ? std::move(clock) : std::function<qint64()>(&Timestamps::nowMs);
}

QModelIndex HealthModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (!parent.isValid())
        return row < m_nodes.size() ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (parent.internalId() != 0 || parent.row() >= m_nodes.size())
        return {};
    const NodeEntry &n = m_nodes[parent.row()];
    return row < n.checks.size() ? createIndex(row, column, quintptr(n.uid)) : QModelIndex();
}

QModelIndex HealthModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    const int row = rowOfUid(quint32(child.internalId()));
    return row >= 0 ? createIndex(row, 0, quintptr(0)) : QModelIndex();
}

int HealthModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_nodes.size());
    if (parent.internalId() != 0 || parent.column() != 0 || parent.row() >= m_nodes.size())
        return 0;
    return int(m_nodes[parent.row()].checks.size());
}

int HealthModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

int HealthModel::rowOfUid(quint32 uid) const
{
    return m_rowOfUid.value(uid, -1);
}

void HealthModel::rebuildUidIndex()
{
    m_rowOfUid.clear();
    for (int row = 0; row < m_nodes.size(); ++row)
        m_rowOfUid.insert(m_nodes[row].uid, row);
}

QVariant HealthModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const qint64 now = m_clock();
    if (index.internalId() == 0) {
        if (index.row() >= m_nodes.size())
            return {};
        const NodeEntry &n = m_nodes[index.row()];
        switch (role) {
        case Qt::DisplayRole:
            switch (Column(index.column())) {
            case NameColumn:
                return n.name;
            case StatusColumn:
                if (n.maintenance) {
                    switch (n.orphan) {
                    case Orphan::Baton:
                        return QStringLiteral("maintenance · orphaned");
                    case Orphan::KeptForInspection:
                        return QStringLiteral("maintenance · kept for inspection");
                    case Orphan::Manual:
                        return QStringLiteral("maintenance · manual");
                    case Orphan::None:
                        return QStringLiteral("maintenance");
                    }
                }
                return statusText(n.worst);
            case ServiceColumn:
                return n.services.join(QStringLiteral(", "));
            case DetailColumn:
                if (n.maintenance)
                    return n.maintenanceReason;
                for (const Consul::HealthCheck &c : n.checks) {
                    if (c.status != Consul::CheckStatus::Passing)
                        return QStringLiteral("%1: %2").arg(c.name, firstLine(c.output));
                }
                return QString();
            case SinceColumn:
                return n.maintenance ? Format::ago(n.maintenanceSinceMs, now) : QString();
            case JobColumn:
                if (n.jobId > 0)
                    return QStringLiteral("job %1").arg(n.jobId);
                if (n.keptByJob > 0)
                    return QStringLiteral("kept by job %1").arg(n.keptByJob);
                return QString();
            case ColumnCount:
                break;
            }
            return {};
        case Qt::ToolTipRole: {
            QStringList lines { n.name };
            if (n.maintenance) {
                lines << QStringLiteral("In maintenance: %1").arg(n.maintenanceReason);
                lines << QStringLiteral("Seen in maintenance since %1 (by this console)")
                             .arg(Format::time(n.maintenanceSinceMs, now));
                if (n.orphan == Orphan::Baton)
                    lines << QStringLiteral("No job holds this node: Baton left it in maintenance. Release it to "
                                            "put it back in service.");
                else if (n.orphan == Orphan::KeptForInspection)
                    lines << QStringLiteral("Kept in maintenance after a force cancel of job %1.").arg(n.keptByJob);
                else if (n.orphan == Orphan::Manual)
                    lines << QStringLiteral("Put in maintenance outside Baton (consul maint); Baton does not own "
                                            "it.");
            }
            return lines.join(u'\n');
        }
        case NodeNameRole:
            return n.name;
        case CheckStatusRole:
            return int(n.worst);
        case InMaintenanceRole:
            return n.maintenance;
        case OrphanRole:
            return int(n.orphan);
        case IsNodeRole:
            return true;
        case JobIdRole:
            return n.jobId;
        default:
            return {};
        }
    }
    const int nodeRow = rowOfUid(quint32(index.internalId()));
    if (nodeRow < 0 || index.row() >= m_nodes[nodeRow].checks.size())
        return {};
    const NodeEntry &n = m_nodes[nodeRow];
    const Consul::HealthCheck &c = n.checks[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case NameColumn:
            return c.name.isEmpty() ? c.checkId : c.name;
        case StatusColumn:
            return c.isMaintenance() ? QStringLiteral("maintenance") : c.statusText;
        case ServiceColumn:
            return c.serviceName.isEmpty() ? QStringLiteral("(node)") : c.serviceName;
        case DetailColumn:
            return c.isMaintenance() ? c.notes : firstLine(c.output);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return QStringLiteral("%1 (%2)\n%3").arg(c.name, c.checkId, c.output.left(2000));
    case NodeNameRole:
        return n.name;
    case CheckStatusRole:
        return int(c.status);
    case InMaintenanceRole:
        return c.isMaintenance();
    case IsNodeRole:
        return false;
    case CheckIdRole:
        return c.checkId;
    default:
        return {};
    }
}

QVariant HealthModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case NameColumn:
        return QStringLiteral("Node / check");
    case StatusColumn:
        return QStringLiteral("Status");
    case ServiceColumn:
        return QStringLiteral("Services");
    case DetailColumn:
        return QStringLiteral("Reason / output");
    case SinceColumn:
        return QStringLiteral("Since");
    case JobColumn:
        return QStringLiteral("Job");
    case ColumnCount:
        break;
    }
    return {};
}

void HealthModel::refreshDerived(NodeEntry &n)
{
    std::stable_sort(n.checks.begin(), n.checks.end(), [](const Consul::HealthCheck &a, const Consul::HealthCheck &b) {
        const int sa = severity(a);
        const int sb = severity(b);
        return sa != sb ? sa < sb : a.checkId < b.checkId;
    });
    n.worst = Consul::CheckStatus::Passing;
    n.maintenance = false;
    QStringList reasons;
    n.services.clear();
    for (const Consul::HealthCheck &c : n.checks) {
        if (c.isMaintenance()) {
            n.maintenance = true;
            if (!c.notes.isEmpty() && !reasons.contains(c.notes))
                reasons << c.notes;
        }
        if (c.status == Consul::CheckStatus::Critical)
            n.worst = Consul::CheckStatus::Critical;
        else if (c.status != Consul::CheckStatus::Passing && n.worst == Consul::CheckStatus::Passing)
            n.worst = Consul::CheckStatus::Warning;
        if (!c.serviceName.isEmpty() && !n.services.contains(c.serviceName))
            n.services << c.serviceName;
    }
    n.services.sort();
    n.maintenanceReason = reasons.join(QStringLiteral("; "));
    n.jobId = m_activeNodes.value(n.name, 0);
    n.keptByJob = m_keptNodes.value(n.name, 0);
    if (!n.maintenance) {
        n.orphan = Orphan::None;
        n.maintenanceSinceMs = 0;
        return;
    }
    if (n.maintenanceSinceMs == 0)
        n.maintenanceSinceMs = m_clock();
    if (n.jobId > 0)
        n.orphan = Orphan::None;
    else if (n.keptByJob > 0)
        n.orphan = Orphan::KeptForInspection;
    else if (n.maintenanceReason.startsWith(QStringLiteral("baton:")))
        n.orphan = Orphan::Baton;
    else
        n.orphan = Orphan::Manual;
}

void HealthModel::updateNode(int row, NodeEntry fresh)
{
    NodeEntry &old = m_nodes[row];
    fresh.uid = old.uid;
    fresh.maintenanceSinceMs = old.maintenanceSinceMs; // refreshDerived clears it if maintenance ended
    refreshDerived(fresh);
    const QModelIndex parentIndex = createIndex(row, 0, quintptr(0));
    bool sameIds = old.checks.size() == fresh.checks.size();
    for (qsizetype i = 0; sameIds && i < old.checks.size(); ++i)
        sameIds = old.checks[i].checkId == fresh.checks[i].checkId;
    if (!sameIds) {
        if (!old.checks.isEmpty()) {
            beginRemoveRows(parentIndex, 0, int(old.checks.size()) - 1);
            old.checks.clear();
            endRemoveRows();
        }
        if (!fresh.checks.isEmpty()) {
            beginInsertRows(parentIndex, 0, int(fresh.checks.size()) - 1);
            old.checks = fresh.checks;
            endInsertRows();
        }
    } else if (old.checks != fresh.checks) {
        int lo = INT_MAX;
        int hi = -1;
        for (int i = 0; i < old.checks.size(); ++i) {
            if (old.checks[i] != fresh.checks[i]) {
                lo = std::min(lo, i);
                hi = std::max(hi, i);
            }
        }
        old.checks = fresh.checks;
        Q_EMIT dataChanged(index(lo, 0, parentIndex), index(hi, ColumnCount - 1, parentIndex));
    }
    const bool nodeChanged = old.worst != fresh.worst || old.maintenance != fresh.maintenance
        || old.maintenanceReason != fresh.maintenanceReason || old.jobId != fresh.jobId
        || old.keptByJob != fresh.keptByJob || old.orphan != fresh.orphan || old.services != fresh.services
        || old.maintenanceSinceMs != fresh.maintenanceSinceMs;
    fresh.checks = old.checks;
    old = std::move(fresh);
    if (nodeChanged)
        Q_EMIT dataChanged(createIndex(row, 0, quintptr(0)), createIndex(row, ColumnCount - 1, quintptr(0)));
}

void HealthModel::setChecks(const QList<Consul::HealthCheck> &checks, const QStringList &allNodes)
{
    QMap<QString, NodeEntry> fresh;
    for (const QString &name : allNodes)
        fresh[name].name = name;
    for (const Consul::HealthCheck &c : checks) {
        NodeEntry &n = fresh[c.node];
        n.name = c.node;
        n.checks.append(c);
    }
    // Walk both sorted lists: QMap iterates in key order, m_nodes is kept in name order.
    auto it = fresh.begin();
    int row = 0;
    while (row < m_nodes.size() || it != fresh.end()) {
        if (it == fresh.end() || (row < m_nodes.size() && m_nodes[row].name < it.key())) {
            beginRemoveRows({}, row, row);
            m_nodes.removeAt(row);
            rebuildUidIndex();
            endRemoveRows();
            continue;
        }
        if (row >= m_nodes.size() || it.key() < m_nodes[row].name) {
            NodeEntry n = it.value();
            n.uid = m_nextUid++;
            refreshDerived(n);
            beginInsertRows({}, row, row);
            m_nodes.insert(row, n);
            rebuildUidIndex();
            endInsertRows();
            ++row;
            ++it;
            continue;
        }
        updateNode(row, it.value());
        ++row;
        ++it;
    }
}

void HealthModel::setJobs(const QHash<QString, qint64> &activeNodes, const QHash<QString, qint64> &keptNodes)
{
    if (activeNodes == m_activeNodes && keptNodes == m_keptNodes)
        return;
    m_activeNodes = activeNodes;
    m_keptNodes = keptNodes;
    for (int row = 0; row < m_nodes.size(); ++row) {
        NodeEntry copy = m_nodes[row];
        updateNode(row, std::move(copy));
    }
}

int HealthModel::rowOfNode(const QString &node) const
{
    const auto it = std::lower_bound(
        m_nodes.begin(), m_nodes.end(), node, [](const NodeEntry &n, const QString &name) { return n.name < name; });
    return it != m_nodes.end() && it->name == node ? int(it - m_nodes.begin()) : -1;
}

HealthModel::Orphan HealthModel::orphanState(const QString &node) const
{
    const int row = rowOfNode(node);
    return row >= 0 ? m_nodes[row].orphan : Orphan::None;
}

QStringList HealthModel::orphanedNodes() const
{
    QStringList out;
    for (const NodeEntry &n : m_nodes) {
        if (n.orphan == Orphan::Baton || n.orphan == Orphan::KeptForInspection)
            out << n.name;
    }
    return out;
}

QString HealthModel::maintenanceReason(const QString &node) const
{
    const int row = rowOfNode(node);
    return row >= 0 ? m_nodes[row].maintenanceReason : QString();
}

} // namespace Baton
