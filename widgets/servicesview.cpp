#include "widgets/servicesview.h"

#include "models/maxofflinepreview.h"
#include "models/servicebudgetmodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace Baton {

ServicesView::ServicesView(ServiceBudgetModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_table(new QTableView(this))
    , m_details(new QLabel(this))
    , m_status(new QLabel(this))
    , m_edit(new QPushButton(QStringLiteral("Edit max_offline…"), this))
{
    setObjectName(QStringLiteral("servicesView"));
    m_table->setObjectName(QStringLiteral("servicesTable"));
    m_edit->setObjectName(QStringLiteral("editMaxOffline"));
    m_details->setObjectName(QStringLiteral("serviceDetails"));
    m_status->setObjectName(QStringLiteral("servicesStatus"));
    // A services table has tens of rows and changes a few times a minute: a sort proxy costs nothing here.
    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(model);
    proxy->setSortRole(ServiceBudgetModel::SortRole);
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ServiceBudgetModel::ServiceColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 10);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_details->setWordWrap(true);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setMargin(6);

    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_status, 1);
    bar->addWidget(m_edit);
    layout->addLayout(bar);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(m_details);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(m_edit, &QPushButton::clicked, this, [this] {
        const QString s = currentService();
        if (!s.isEmpty())
            Q_EMIT editMaxOfflineRequested(s);
    });
    connect(m_table, &QTableView::doubleClicked, this, [this] {
        if (!m_readOnly && !currentService().isEmpty())
            Q_EMIT editMaxOfflineRequested(currentService());
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ServicesView::updateDetails);
    connect(model, &QAbstractItemModel::dataChanged, this, &ServicesView::updateDetails);
    connect(model, &QAbstractItemModel::rowsInserted, this, [this] {
        m_table->resizeColumnsToContents();
        updateDetails();
    });
    m_table->resizeColumnsToContents();
    updateDetails();
}

QString ServicesView::currentService() const
{
    const QModelIndex i = m_table->currentIndex();
    return i.isValid() ? i.data(ServiceBudgetModel::ServiceNameRole).toString() : QString();
}

void ServicesView::selectService(const QString &service)
{
    auto *proxy = m_table->model();
    for (int row = 0; row < proxy->rowCount(); ++row) {
        const QModelIndex i = proxy->index(row, 0);
        if (i.data(ServiceBudgetModel::ServiceNameRole).toString() == service) {
            m_table->setCurrentIndex(i);
            return;
        }
    }
}

void ServicesView::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    m_edit->setVisible(!readOnly);
}

void ServicesView::setStatusText(const QString &text)
{
    m_status->setText(text);
}

void ServicesView::updateDetails()
{
    const ServiceStatus *s = m_model->service(currentService());
    m_edit->setEnabled(s != nullptr);
    if (!s) {
        m_details->setText(m_model->rowCount() == 0
                ? QStringLiteral("No services yet: Consul has not answered, or the catalog is empty.")
                : QStringLiteral("Select a service to see who is offline and why."));
        return;
    }
    const ServiceBudget &b = s->budget;
    QStringList lines;
    lines << QStringLiteral("<b>%1</b> — %2 instance(s), max_offline %3: %4 of %5 slot(s) free")
                 .arg(s->service.toHtmlEscaped())
                 .arg(s->instances)
                 .arg(b.maxOffline.describe(s->instances).toHtmlEscaped())
                 .arg(b.freeSlots())
                 .arg(b.limit());
    if (!b.maxOfflineWarning.isEmpty())
        lines << QStringLiteral("⚠ %1").arg(b.maxOfflineWarning.toHtmlEscaped());
    if (b.offline.isEmpty()) {
        lines << QStringLiteral("Every instance is in service.");
    } else {
        QStringList who;
        for (const OfflinePeer &p : b.offline)
            who << QStringLiteral("%1 (%2)").arg(p.node.toHtmlEscaped(), p.reason.toHtmlEscaped());
        lines << QStringLiteral("Offline now: %1").arg(who.join(QStringLiteral(", ")));
    }
    lines << QStringLiteral("Slot holders: %1")
                 .arg(b.holders.isEmpty() ? QStringLiteral("none")
                                          : b.holders.join(QStringLiteral(", ")).toHtmlEscaped());
    if (!s->waiting.isEmpty())
        lines << QStringLiteral("Waiting for a slot: %1")
                     .arg(MaxOfflinePreview::listNames(s->waiting, 10).toHtmlEscaped());
    m_details->setText(lines.join(QStringLiteral("<br>")));
}

} // namespace Baton
