#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QTabWidget;
class QTableView;

namespace Baton {

class NodeRunModel;
class NodeLogBuffer;
class NodeLogView;

// The right-hand pane of the jobs page: what the selected job is, its node runs (state, reason, task, timings) and
// the selected node's output, with the job's actions. Further views of the job (the timeline) are added as tabs
// through addDetailTab(); the pane does not know them.
class JobDetailPane : public QWidget
{
    Q_OBJECT

public:
    explicit JobDetailPane(NodeRunModel *nodes, NodeLogBuffer *log, QWidget *parent = nullptr);

    // Another view of the selected job, e.g. its timeline. The pane owns it from now on.
    int addDetailTab(QWidget *widget, const QString &title);
    QTabWidget *tabs() const { return m_tabs; }
    NodeLogView *logView() const { return m_logView; }
    QTableView *nodeTable() const { return m_nodeTable; }

    // Refreshes the header and the enabled actions from the node model's job.
    void refresh();
    void setReadOnly(bool readOnly);
    void showLogTab();
    // Makes the tab with this title current (added tabs included, "&" ignored); false when there is none.
    bool showDetailTab(const QString &title);
    QString selectedNode() const;

Q_SIGNALS:
    void cancelJobRequested(qint64 jobId);
    void dropNodeRequested(qint64 jobId, const QString &node);
    void forceKillNodeRequested(qint64 jobId, const QString &node);
    void relaunchRequested(qint64 jobId, const QStringList &nodes);
    void nodeSelected(qint64 jobId, const QString &node);

private:
    void updateActions();

    NodeRunModel *m_nodes;
    NodeLogBuffer *m_log;
    QLabel *m_title;
    QLabel *m_subtitle;
    QLabel *m_notice;
    QPushButton *m_cancelJob;
    QPushButton *m_dropNode;
    QPushButton *m_killNode;
    QPushButton *m_relaunch;
    QTabWidget *m_tabs;
    QTableView *m_nodeTable;
    NodeLogView *m_logView;
    bool m_readOnly = false;
};

} // namespace Baton
