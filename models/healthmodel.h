#pragma once

#include "core/consul/consultypes.h"

#include <functional>

#include <QAbstractItemModel>
#include <QHash>
#include <QList>

namespace Baton {

// Health and maintenance per node, from Consul's checks: a node row (worst status, services, maintenance with
// its reason and since when, the job holding it) with its checks as children (status, output).
//
// A node in maintenance that no active job holds is flagged: "orphaned" when Baton put it there (the reason
// starts with "baton:"), "kept for inspection" when an operator force-killed its run and chose to keep it, and
// "manual" when someone else did (consul maint). The console offers to release the first two through the job
// service. Updates are diffs: no reset on refresh.
class HealthModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column
    {
        NameColumn,
        StatusColumn,
        ServiceColumn,
        DetailColumn,
        SinceColumn,
        JobColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum class Orphan
    {
        None,
        Baton,
        KeptForInspection,
        Manual
    };
    Q_ENUM(Orphan)

    enum Role
    {
        NodeNameRole = Qt::UserRole + 1,
        CheckStatusRole, // Consul::CheckStatus (int)
        InMaintenanceRole, // bool
        OrphanRole, // Orphan (int)
        IsNodeRole, // bool
        JobIdRole, // qint64, 0 when no job holds the node
        CheckIdRole,
    };

    explicit HealthModel(QObject *parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Every check of the datacenter (GET /v1/health/state/any), plus the nodes of the catalog so nodes without
    // checks still show. Diffs against what is shown.
    void setChecks(const QList<Consul::HealthCheck> &checks, const QStringList &allNodes = {});
    // Node → job for nodes an active job holds; node → job for runs killed with maintenance kept.
    void setJobs(const QHash<QString, qint64> &activeNodes, const QHash<QString, qint64> &keptNodes);
    void setClock(std::function<qint64()> clock);

    int rowOfNode(const QString &node) const;
    Orphan orphanState(const QString &node) const;
    QStringList orphanedNodes() const; // Baton and kept-for-inspection ones
    QString maintenanceReason(const QString &node) const;

private:
    struct NodeEntry
    {
        quint32 uid = 0;
        QString name;
        QList<Consul::HealthCheck> checks; // sorted: maintenance, critical, warning, passing; then name
        Consul::CheckStatus worst = Consul::CheckStatus::Passing;
        bool maintenance = false;
        QString maintenanceReason;
        qint64 maintenanceSinceMs = 0; // first seen in maintenance by this console
        qint64 jobId = 0; // active job holding it
        qint64 keptByJob = 0;
        Orphan orphan = Orphan::None;
        QStringList services;
    };

    void refreshDerived(NodeEntry &entry);
    void updateNode(int row, NodeEntry fresh);
    void rebuildUidIndex();
    int rowOfUid(quint32 uid) const;

    QList<NodeEntry> m_nodes; // sorted by name
    QHash<quint32, int> m_rowOfUid;
    quint32 m_nextUid = 1;
    QHash<QString, qint64> m_activeNodes;
    QHash<QString, qint64> m_keptNodes;
    std::function<qint64()> m_clock;
};

} // namespace Baton
