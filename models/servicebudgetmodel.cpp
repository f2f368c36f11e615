#include "models/servicebudgetmodel.h"

#include <algorithm>

namespace Baton {

ServiceBudgetModel::ServiceBudgetModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int ServiceBudgetModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ServiceBudgetModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ServiceBudgetModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const ServiceStatus &s = m_rows[index.row()];
    const ServiceBudget &b = s.budget;
    switch (role) {
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case ServiceColumn:
            return s.service;
        case InstancesColumn:
            return s.instances;
        case PassingColumn:
            return s.passing;
        case WarningColumn:
            return s.warning;
        case CriticalColumn:
            return s.critical;
        case MaintenanceColumn:
            return s.maintenance;
        case HoldersColumn:
            return b.holders.isEmpty() ? QStringLiteral("—") : b.holders.join(QStringLiteral(", "));
        case MaxOfflineColumn: {
            QString text = b.maxOffline.describe(s.instances);
            if (!s.maxOfflineKeyPresent)
                text += QStringLiteral(" (default)");
            if (!b.maxOfflineWarning.isEmpty())
                text += QStringLiteral(" ⚠");
            return text;
        }
        case FreeColumn:
            return QStringLiteral("%1 of %2").arg(b.freeSlots()).arg(b.limit());
        case WaitingColumn:
            return s.waiting.isEmpty() ? QString() : QString::number(s.waiting.size());
        case ColumnCount:
            break;
        }
        return {};
    case Qt::ToolTipRole: {
        QStringList lines { s.service };
        if (!b.offline.isEmpty()) {
            lines << QStringLiteral("Offline now:");
            for (const OfflinePeer &p : b.offline)
                lines << QStringLiteral("  %1 — %2").arg(p.node, p.reason);
        }
        if (!b.holders.isEmpty())
            lines << QStringLiteral("Slots held by: %1").arg(b.holders.join(QStringLiteral(", ")));
        if (!s.waiting.isEmpty())
            lines << QStringLiteral("Waiting for a slot: %1").arg(s.waiting.join(QStringLiteral(", ")));
        if (!b.maxOfflineWarning.isEmpty())
            lines << b.maxOfflineWarning;
        if (b.maxOffline.isFrozen())
            lines << QStringLiteral("Frozen: no node of this service may leave.");
        return lines.join(u'\n');
    }
    case Qt::TextAlignmentRole:
        if (index.column() >= InstancesColumn && index.column() <= MaintenanceColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case ServiceNameRole:
        return s.service;
    case FrozenRole:
        return b.maxOffline.isFrozen();
    case WarningTextRole:
        return b.maxOfflineWarning;
    case FreeSlotsRole:
        return b.freeSlots();
    case LimitRole:
        return b.limit();
    case SortRole:
        switch (Column(index.column())) {
        case ServiceColumn:
        case HoldersColumn:
            return data(index, Qt::DisplayRole);
        case MaxOfflineColumn:
            return b.limit();
        case FreeColumn:
            return b.freeSlots();
        case WaitingColumn:
            return s.waiting.size();
        default:
            return data(index, Qt::DisplayRole);
        }
    default:
        return {};
    }
}

QVariant ServiceBudgetModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case ServiceColumn:
        return QStringLiteral("Service");
    case InstancesColumn:
        return QStringLiteral("Instances");
    case PassingColumn:
        return QStringLiteral("Passing");
    case WarningColumn:
        return QStringLiteral("Warning");
    case CriticalColumn:
        return QStringLiteral("Critical");
    case MaintenanceColumn:
        return QStringLiteral("In maintenance");
    case HoldersColumn:
        return QStringLiteral("Slot holders");
    case MaxOfflineColumn:
        return QStringLiteral("max_offline");
    case FreeColumn:
        return QStringLiteral("Free slots");
    case WaitingColumn:
        return QStringLiteral("Waiting");
    case ColumnCount:
        break;
    }
    return {};
}

void ServiceBudgetModel::emitChanged(int lo, int hi)
{
    if (lo <= hi)
        Q_EMIT dataChanged(index(lo, 0), index(hi, ColumnCount - 1));
}

void ServiceBudgetModel::setServices(QList<ServiceStatus> services)
{
    std::sort(services.begin(), services.end(),
        [](const ServiceStatus &a, const ServiceStatus &b) { return a.service < b.service; });
    // Keep the waiting queues the job list gave us: Consul does not know them.
    for (ServiceStatus &s : services) {
        if (s.waiting.isEmpty()) {
            if (const ServiceStatus *old = service(s.service))
                s.waiting = old->waiting;
        }
    }
    // Merge two sorted lists: remove rows that are gone, insert new ones, update the rest in place.
    int row = 0;
    qsizetype next = 0;
    int lo = INT_MAX;
    int hi = -1;
    while (row < m_rows.size() || next < services.size()) {
        if (next >= services.size() || (row < m_rows.size() && m_rows[row].service < services[next].service)) {
            int end = row;
            while (end + 1 < m_rows.size()
                && (next >= services.size() || m_rows[end + 1].service < services[next].service))
                ++end;
            beginRemoveRows({}, row, end);
            m_rows.remove(row, end - row + 1);
            endRemoveRows();
            continue;
        }
        if (row >= m_rows.size() || services[next].service < m_rows[row].service) {
            qsizetype last = next;
            while (last + 1 < services.size()
                && (row >= m_rows.size() || services[last + 1].service < m_rows[row].service))
                ++last;
            beginInsertRows({}, row, row + int(last - next));
            for (qsizetype k = next; k <= last; ++k)
                m_rows.insert(row + int(k - next), services[k]);
            endInsertRows();
            row += int(last - next + 1);
            next = last + 1;
            continue;
        }
        if (!(m_rows[row] == services[next])) {
            m_rows[row] = services[next];
            lo = std::min(lo, row);
            hi = std::max(hi, row);
        }
        ++row;
        ++next;
    }
    if (hi >= 0)
        emitChanged(lo, hi);
}

void ServiceBudgetModel::setWaiting(const QHash<QString, QStringList> &waitingByService)
{
    int lo = INT_MAX;
    int hi = -1;
    for (int row = 0; row < m_rows.size(); ++row) {
        const QStringList w = waitingByService.value(m_rows[row].service);
        if (w != m_rows[row].waiting) {
            m_rows[row].waiting = w;
            lo = std::min(lo, row);
            hi = std::max(hi, row);
        }
    }
    if (hi >= 0)
        emitChanged(lo, hi);
}

const ServiceStatus *ServiceBudgetModel::service(const QString &name) const
{
    const int row = rowOfService(name);
    return row >= 0 ? &m_rows[row] : nullptr;
}

const ServiceStatus *ServiceBudgetModel::serviceAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr;
}

int ServiceBudgetModel::rowOfService(const QString &name) const
{
    const auto it = std::lower_bound(
        m_rows.begin(), m_rows.end(), name, [](const ServiceStatus &s, const QString &n) { return s.service < n; });
    return it != m_rows.end() && it->service == name ? int(it - m_rows.begin()) : -1;
}

QStringList ServiceBudgetModel::serviceNames() const
{
    QStringList out;
    for (const ServiceStatus &s : m_rows)
        out << s.service;
    return out;
}

} // namespace Baton
