#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTreeView;

namespace Baton {

class HealthModel;

// The Health page: Consul checks per node with their output, maintenance with its reason and since when, and
// nodes Baton left in maintenance with no job holding them, which the operator can release through the job
// service.
class HealthView : public QWidget
{
    Q_OBJECT

public:
    explicit HealthView(HealthModel *model, QWidget *parent = nullptr);

    QString currentNode() const;
    void selectNode(const QString &node);
    void setReadOnly(bool readOnly);
    void setStatusText(const QString &text);
    QTreeView *tree() const { return m_tree; }

Q_SIGNALS:
    void releaseRequested(const QString &node);

private:
    void updateActions();

    HealthModel *m_model;
    QSortFilterProxyModel *m_filter;
    QTreeView *m_tree;
    QCheckBox *m_problemsOnly;
    QLabel *m_status;
    QPushButton *m_release;
    bool m_readOnly = false;
};

} // namespace Baton
