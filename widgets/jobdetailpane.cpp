#include "widgets/jobdetailpane.h"

#include "models/formatting.h"
#include "models/noderunmodel.h"
#include "widgets/nodelogview.h"
#include "widgets/nodestatedelegate.h"
#include "widgets/theme.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace Baton {

JobDetailPane::JobDetailPane(NodeRunModel *nodes, NodeLogBuffer *log, QWidget *parent)
    : QWidget(parent)
    , m_nodes(nodes)
    , m_log(log)
    , m_title(new QLabel(this))
    , m_subtitle(new QLabel(this))
    , m_notice(new QLabel(this))
    , m_cancelJob(new QPushButton(QStringLiteral("Cancel job…"), this))
    , m_dropNode(new QPushButton(QStringLiteral("Drop node…"), this))
    , m_killNode(new QPushButton(QStringLiteral("Force-kill node…"), this))
    , m_relaunch(new QPushButton(QStringLiteral("Relaunch failed…"), this))
    , m_tabs(new QTabWidget(this))
    , m_nodeTable(new QTableView(this))
    , m_logView(new NodeLogView(this))
{
    setObjectName(QStringLiteral("jobDetail"));
    m_cancelJob->setObjectName(QStringLiteral("cancelJobButton"));
    m_dropNode->setObjectName(QStringLiteral("dropNodeButton"));
    m_killNode->setObjectName(QStringLiteral("killNodeButton"));
    m_relaunch->setObjectName(QStringLiteral("relaunchButton"));
    m_cancelJob->setToolTip(QStringLiteral("Admit no new node; runs in flight finish (or kill them, if you choose)."));
    m_dropNode->setToolTip(QStringLiteral("Remove the selected node from the job before it starts."));
    m_killNode->setToolTip(QStringLiteral("Kill the selected node's run; choose whether it stays in maintenance."));
    m_relaunch->setToolTip(QStringLiteral("Start a new job for the failed nodes only."));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    big.setBold(true);
    m_title->setFont(big);
    m_title->setObjectName(QStringLiteral("jobTitle"));
    m_subtitle->setObjectName(QStringLiteral("jobSubtitle"));
    m_subtitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_subtitle->setWordWrap(true);
    m_notice->setObjectName(QStringLiteral("jobNotice"));
    m_notice->setWordWrap(true);
    m_notice->hide();
    layout->addWidget(m_title);
    layout->addWidget(m_subtitle);
    layout->addWidget(m_notice);
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_cancelJob);
    actions->addWidget(m_dropNode);
    actions->addWidget(m_killNode);
    actions->addWidget(m_relaunch);
    actions->addStretch(1);
    layout->addLayout(actions);
    layout->addWidget(m_tabs, 1);

    m_nodeTable->setModel(m_nodes);
    m_nodeTable->setObjectName(QStringLiteral("nodeTable"));
    m_nodeTable->setItemDelegateForColumn(
        NodeRunModel::StateColumn, new NodeStateDelegate(NodeRunModel::NodeStateRole, m_nodeTable));
    m_nodeTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_nodeTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_nodeTable->setAlternatingRowColors(true);
    m_nodeTable->setShowGrid(false);
    m_nodeTable->setWordWrap(false);
    m_nodeTable->setSortingEnabled(true);
    m_nodeTable->verticalHeader()->hide();
    m_nodeTable->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_nodeTable->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 10);
    m_nodeTable->horizontalHeader()->setStretchLastSection(true);
    m_nodeTable->setColumnWidth(
        NodeRunModel::NodeColumn, fontMetrics().horizontalAdvance(QStringLiteral("web-000.example")) + 16);
    m_nodeTable->setColumnWidth(
        NodeRunModel::StateColumn, fontMetrics().horizontalAdvance(QStringLiteral("waiting for slot · stuck")) + 48);
    m_nodeTable->setColumnWidth(NodeRunModel::DetailColumn, fontMetrics().horizontalAdvance(QStringLiteral("x")) * 44);
    m_nodeTable->setColumnWidth(NodeRunModel::TaskColumn, fontMetrics().horizontalAdvance(QStringLiteral("x")) * 24);
    m_tabs->setObjectName(QStringLiteral("detailTabs"));
    m_tabs->addTab(m_nodeTable, QStringLiteral("Nodes"));
    m_tabs->addTab(m_logView, QStringLiteral("Log"));
    m_logView->setBuffer(m_log);

    connect(m_nodeTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        updateActions();
        const QString node = selectedNode();
        if (!node.isEmpty())
            Q_EMIT nodeSelected(m_nodes->jobId(), node);
    });
    connect(m_nodes, &QAbstractItemModel::modelReset, this, &JobDetailPane::refresh);
    connect(m_nodes, &QAbstractItemModel::dataChanged, this, &JobDetailPane::refresh);
    connect(m_nodes, &QAbstractItemModel::layoutChanged, this, &JobDetailPane::updateActions);
    connect(m_cancelJob, &QPushButton::clicked, this, [this] { Q_EMIT cancelJobRequested(m_nodes->jobId()); });
    connect(m_dropNode, &QPushButton::clicked, this,
        [this] { Q_EMIT dropNodeRequested(m_nodes->jobId(), selectedNode()); });
    connect(m_killNode, &QPushButton::clicked, this,
        [this] { Q_EMIT forceKillNodeRequested(m_nodes->jobId(), selectedNode()); });
    connect(m_relaunch, &QPushButton::clicked, this,
        [this] { Q_EMIT relaunchRequested(m_nodes->jobId(), m_nodes->failedNodes()); });
    refresh();
}

int JobDetailPane::addDetailTab(QWidget *widget, const QString &title)
{
    return m_tabs->addTab(widget, title);
}

QString JobDetailPane::selectedNode() const
{
    const QModelIndex i = m_nodeTable->currentIndex();
    return i.isValid() ? i.siblingAtColumn(0).data(NodeRunModel::NodeNameRole).toString() : QString();
}

void JobDetailPane::showLogTab()
{
    m_tabs->setCurrentWidget(m_logView);
}

bool JobDetailPane::showDetailTab(const QString &title)
{
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (m_tabs->tabText(i).remove(u'&').compare(title, Qt::CaseInsensitive) == 0) {
            m_tabs->setCurrentIndex(i);
            return true;
        }
    }
    return false;
}

void JobDetailPane::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    for (QPushButton *b : { m_cancelJob, m_dropNode, m_killNode, m_relaunch })
        b->setVisible(!readOnly);
    updateActions();
}

void JobDetailPane::refresh()
{
    if (!m_nodes->hasJob()) {
        m_title->setText(QStringLiteral("No job selected"));
        m_subtitle->setText(QStringLiteral("Select a job in the list, or launch one with Ctrl+L."));
        m_notice->hide();
        updateActions();
        return;
    }
    const Job &j = m_nodes->job();
    m_title->setText(QStringLiteral("Job %1 · %2").arg(j.id).arg(displayName(j.state)));
    QString target = j.spec.target.nodes.isEmpty()
        ? (j.spec.target.tag.isEmpty() ? j.spec.target.service
                                       : QStringLiteral("%1 (tag %2)").arg(j.spec.target.service, j.spec.target.tag))
        : j.spec.target.nodes.join(QStringLiteral(", "));
    const NodeCounts counts = j.nodes.isEmpty() ? j.counts : j.countNodes();
    QStringList parts { QStringLiteral("%1 → %2").arg(j.spec.playbook, target) };
    if (!j.operatorName.isEmpty())
        parts << QStringLiteral("by %1").arg(j.operatorName);
    if (j.createdAtMs > 0)
        parts << QStringLiteral("created %1").arg(Format::time(j.createdAtMs, j.createdAtMs));
    if (j.spec.checkMode)
        parts << QStringLiteral("check mode");
    if (j.relaunchOf > 0)
        parts << QStringLiteral("relaunch of job %1").arg(j.relaunchOf);
    parts << counts.summary();
    m_subtitle->setText(parts.join(QStringLiteral(" · ")));
    QStringList notices;
    if (!j.haltReason.isEmpty())
        notices << QStringLiteral("Halted: %1").arg(j.haltReason);
    if (j.cancel)
        notices << QStringLiteral("Cancel requested by %1 (%2)")
                       .arg(j.cancel->by,
                           j.cancel->mode == CancelRequest::Mode::Force ? QStringLiteral("force")
                                                                        : QStringLiteral("graceful"));
    if (notices.isEmpty()) {
        m_notice->hide();
    } else {
        m_notice->setText(notices.join(u'\n'));
        QPalette p = m_notice->palette();
        p.setColor(QPalette::WindowText, Theme::current().color(Theme::Role::Critical));
        m_notice->setPalette(p);
        m_notice->show();
    }
    updateActions();
}

void JobDetailPane::updateActions()
{
    const bool has = m_nodes->hasJob();
    const Job &j = m_nodes->job();
    const bool active = has && !isTerminal(j.state);
    m_cancelJob->setEnabled(!m_readOnly && active && j.state != JobState::Cancelling);
    const int row = m_nodeTable->currentIndex().row();
    const NodeRun *run = m_nodes->nodeAt(row);
    m_dropNode->setEnabled(!m_readOnly && run && isWaiting(run->state));
    m_killNode->setEnabled(!m_readOnly && run && (isActive(run->state)));
    m_relaunch->setEnabled(!m_readOnly && has && !m_nodes->failedNodes().isEmpty());
}

} // namespace Baton
