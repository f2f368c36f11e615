#include "widgets/healthview.h"

#include "models/healthmodel.h"
#include "widgets/theme.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>
#include <QTreeView>
#include <QVBoxLayout>

namespace Baton {

namespace {

// Keeps nodes that are not entirely fine (and all their checks) when "problems only" is on.
class ProblemFilter : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setProblemsOnly(bool on)
    {
        m_on = on;
        invalidateRowsFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        if (!m_on || parent.isValid())
            return true;
        const QModelIndex i = sourceModel()->index(row, 0, parent);
        return i.data(HealthModel::InMaintenanceRole).toBool()
            || i.data(HealthModel::CheckStatusRole).toInt() != int(Consul::CheckStatus::Passing);
    }

private:
    bool m_on = false;
};

// Colours the status column by status, with a marker glyph so it reads without colour too.
class StatusDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        const Theme &t = Theme::current();
        const auto orphan = HealthModel::Orphan(index.data(HealthModel::OrphanRole).toInt());
        QString mark = QStringLiteral("● ");
        QColor c = t.color(Theme::Role::Ok);
        if (index.data(HealthModel::InMaintenanceRole).toBool()) {
            c = orphan == HealthModel::Orphan::None ? t.color(Theme::Role::Info) : t.color(Theme::Role::Orphaned);
            mark = QStringLiteral("⚒ ");
        } else {
            switch (Consul::CheckStatus(index.data(HealthModel::CheckStatusRole).toInt())) {
            case Consul::CheckStatus::Passing:
                mark = QStringLiteral("✓ ");
                break;
            case Consul::CheckStatus::Critical:
                c = t.color(Theme::Role::Critical);
                mark = QStringLiteral("✕ ");
                break;
            default:
                c = t.color(Theme::Role::Warning).darker(120);
                mark = QStringLiteral("! ");
                break;
            }
        }
        option->text = mark + option->text;
        if (!(option->state & QStyle::State_Selected))
            option->palette.setColor(QPalette::Text, c);
    }
};

} // namespace

HealthView::HealthView(HealthModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_filter(new ProblemFilter(this))
    , m_tree(new QTreeView(this))
    , m_problemsOnly(new QCheckBox(QStringLiteral("Only nodes with problems or maintenance"), this))
    , m_status(new QLabel(this))
    , m_release(new QPushButton(QStringLiteral("Release maintenance…"), this))
{
    setObjectName(QStringLiteral("healthView"));
    m_tree->setObjectName(QStringLiteral("healthTree"));
    m_release->setObjectName(QStringLiteral("releaseButton"));
    m_problemsOnly->setObjectName(QStringLiteral("problemsOnly"));
    m_filter->setSourceModel(model);
    m_tree->setModel(m_filter);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setItemDelegateForColumn(HealthModel::StatusColumn, new StatusDelegate(m_tree));
    // The reason or check output is the long text; it gets the room, the short columns get what they need.
    QHeaderView *header = m_tree->header();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(HealthModel::DetailColumn, QHeaderView::Stretch);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    header->resizeSection(HealthModel::NameColumn, 14 * em);
    header->resizeSection(HealthModel::StatusColumn, 11 * em);
    header->resizeSection(HealthModel::ServiceColumn, 10 * em);
    header->resizeSection(HealthModel::SinceColumn, 8 * em);
    header->resizeSection(HealthModel::JobColumn, 7 * em);
    m_release->setToolTip(QStringLiteral("Run the gate's release on the node through the job service: maintenance "
                                         "off, wait for its checks, give back any slot."));

    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_problemsOnly);
    bar->addWidget(m_status, 1);
    bar->addWidget(m_release);
    layout->addLayout(bar);
    layout->addWidget(m_tree, 1);

    connect(m_problemsOnly, &QCheckBox::toggled, this,
        [this](bool on) { static_cast<ProblemFilter *>(m_filter)->setProblemsOnly(on); });
    connect(m_release, &QPushButton::clicked, this, [this] {
        const QString node = currentNode();
        if (!node.isEmpty())
            Q_EMIT releaseRequested(node);
    });
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &HealthView::updateActions);
    connect(model, &QAbstractItemModel::dataChanged, this, &HealthView::updateActions);
    connect(model, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_tree->columnWidth(0) < 60)
            for (int c = 0; c < HealthModel::ColumnCount - 1; ++c)
                m_tree->resizeColumnToContents(c);
    });
    updateActions();
}

QString HealthView::currentNode() const
{
    const QModelIndex i = m_tree->currentIndex();
    return i.isValid() ? i.data(HealthModel::NodeNameRole).toString() : QString();
}

void HealthView::selectNode(const QString &node)
{
    const int row = m_model->rowOfNode(node);
    if (row < 0)
        return;
    const QModelIndex i = m_filter->mapFromSource(m_model->index(row, 0));
    if (i.isValid())
        m_tree->setCurrentIndex(i);
}

void HealthView::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    m_release->setVisible(!readOnly);
    updateActions();
}

void HealthView::setStatusText(const QString &text)
{
    m_status->setText(text);
}

void HealthView::updateActions()
{
    const QString node = currentNode();
    const HealthModel::Orphan o = node.isEmpty() ? HealthModel::Orphan::None : m_model->orphanState(node);
    m_release->setEnabled(!m_readOnly && o != HealthModel::Orphan::None);
}

} // namespace Baton
