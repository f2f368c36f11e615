#pragma once

#include "models/servicestatus.h"

#include <QAbstractTableModel>
#include <QList>

namespace Baton {

// The services table: instances, health counts, slot holders and max_offline of every service, from Consul.
// setServices() diffs the new list against the rows (by service name): new services are inserted, gone ones
// removed, changed ones get one coalesced dataChanged; a refresh never resets the model, so selection and scroll
// survive every Consul update.
class ServiceBudgetModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        ServiceColumn,
        InstancesColumn,
        PassingColumn,
        WarningColumn,
        CriticalColumn,
        MaintenanceColumn,
        HoldersColumn,
        MaxOfflineColumn,
        FreeColumn,
        WaitingColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role
    {
        ServiceNameRole = Qt::UserRole + 1,
        FrozenRole, // bool: max_offline is 0
        WarningTextRole, // the malformed-key warning, if any
        FreeSlotsRole, // int
        LimitRole, // int
        SortRole,
    };

    explicit ServiceBudgetModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Rows stay sorted by service name.
    void setServices(QList<ServiceStatus> services);
    // Only the waiting queues changed (from the job list).
    void setWaiting(const QHash<QString, QStringList> &waitingByService);

    const ServiceStatus *service(const QString &name) const;
    const ServiceStatus *serviceAt(int row) const;
    int rowOfService(const QString &name) const;
    QStringList serviceNames() const;

private:
    void emitChanged(int lo, int hi);

    QList<ServiceStatus> m_rows;
};

} // namespace Baton
