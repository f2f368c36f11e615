#include "widgets/jobtableview.h"

#include "models/joblistmodel.h"
#include "widgets/jobdelegate.h"

#include <QEvent>
#include <QHeaderView>

namespace Baton {

JobTableView::JobTableView(QWidget *parent)
    : QTableView(parent)
{
    setObjectName(QStringLiteral("jobTable"));
    setItemDelegate(new JobDelegate(this));
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setAlternatingRowColors(true);
    setShowGrid(false);
    setWordWrap(false);
    setSortingEnabled(true);
    setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    setContextMenuPolicy(Qt::CustomContextMenu);
    verticalHeader()->hide();
    // Fixed sections: the view never asks every row for its height (what makes a big QTableView cheap).
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    horizontalHeader()->setHighlightSections(false);
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setSortIndicatorShown(true);
    updateRowHeight();
    connect(this, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex i = indexAt(pos);
        if (i.isValid() && m_model)
            Q_EMIT contextMenuForJob(m_model->jobIdAt(i.row()), viewport()->mapToGlobal(pos));
    });
    connect(this, &QAbstractItemView::activated, this, [this](const QModelIndex &i) {
        if (m_model)
            Q_EMIT jobActivated(m_model->jobIdAt(i.row()));
    });
}

void JobTableView::updateRowHeight()
{
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 10);
    verticalHeader()->setMinimumSectionSize(fontMetrics().height() + 4);
}

void JobTableView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::FontChange)
        updateRowHeight();
    QTableView::changeEvent(event);
}

void JobTableView::setJobModel(JobListModel *model)
{
    m_model = model;
    setModel(model);
    horizontalHeader()->setSortIndicator(JobListModel::IdColumn, Qt::DescendingOrder);
    const QFontMetrics fm = fontMetrics();
    setColumnWidth(JobListModel::IdColumn, fm.horizontalAdvance(QStringLiteral("0000000")) + 16);
    setColumnWidth(JobListModel::StateColumn, fm.horizontalAdvance(QStringLiteral("partially failed · stuck")) + 40);
    setColumnWidth(
        JobListModel::ProgressColumn, fm.horizontalAdvance(QStringLiteral("14 ok / 1 failed / 3 waiting")) + 100);
    setColumnWidth(JobListModel::PlaybookColumn, fm.horizontalAdvance(QStringLiteral("rolling-restart.yml")) + 24);
    setColumnWidth(JobListModel::TargetColumn, fm.horizontalAdvance(QStringLiteral("web · tag blue")) + 40);
    setColumnWidth(JobListModel::OperatorColumn, fm.horizontalAdvance(QStringLiteral("operator")) + 24);
    setColumnWidth(JobListModel::CreatedColumn, fm.horizontalAdvance(QStringLiteral("2026-01-01 00:00")) + 16);
    connect(selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        const qint64 id = current.isValid() && m_model ? m_model->jobIdAt(current.row()) : 0;
        if (id != m_current) {
            m_current = id;
            Q_EMIT currentJobChanged(id);
        }
    });
}

qint64 JobTableView::currentJobId() const
{
    const QModelIndex i = currentIndex();
    return i.isValid() && m_model ? m_model->jobIdAt(i.row()) : 0;
}

void JobTableView::selectJob(qint64 id)
{
    if (!m_model)
        return;
    const int row = m_model->rowOfJob(id);
    if (row < 0)
        return;
    const QModelIndex i = m_model->index(row, 0);
    setCurrentIndex(i);
    scrollTo(i);
}

} // namespace Baton
