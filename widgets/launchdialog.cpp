#include "widgets/launchdialog.h"

#include "models/extravars.h"
#include "models/formatting.h"
#include "models/servicebudgetmodel.h"
#include "widgets/theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTreeWidget>
#include <QUuid>
#include <QVBoxLayout>

namespace Baton {

namespace {

const QRegularExpression &nodeNamePattern()
{
    // The gate accepts the same names (no slashes: a name never walks out of its KV folder).
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.\\-]{0,127}$"));
    return re;
}

QString healthText(const Consul::ServiceHealth &h)
{
    if (const auto why = h.offlineReason())
        return *why;
    return Consul::checkStatusToWire(h.aggregatedStatus());
}

} // namespace

LaunchDialog::LaunchDialog(LaunchContext context, QWidget *parent)
    : QDialog(parent)
    , m_context(std::move(context))
    , m_idempotencyKey(QUuid::createUuid().toString(QUuid::WithoutBraces))
    , m_playbook(new QComboBox(this))
    , m_byService(new QRadioButton(QStringLiteral("Service"), this))
    , m_byNodes(new QRadioButton(QStringLiteral("Nodes"), this))
    , m_service(new QComboBox(this))
    , m_tag(new QComboBox(this))
    , m_nodes(new QLineEdit(this))
    , m_extraVars(new QPlainTextEdit(this))
    , m_extraVarsStatus(new QLabel(this))
    , m_checkMode(new QCheckBox(QStringLiteral("Check mode (dry run: --check, nothing changes)"), this))
    , m_haltOnFailure(new QCheckBox(QStringLiteral("Stop admitting nodes after a failure"), this))
    , m_timeoutMin(new QSpinBox(this))
    , m_nodeTimeoutMin(new QSpinBox(this))
    , m_preview(new QTreeWidget(this))
    , m_budget(new QLabel(this))
    , m_offline(new QLabel(this))
    , m_estimate(new QLabel(this))
    , m_overrideFreeze(new QCheckBox(QStringLiteral("Launch into the frozen service anyway"), this))
    , m_problems(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this))
{
    setWindowTitle(QStringLiteral("Launch a job"));
    setObjectName(QStringLiteral("launchDialog"));
    m_launch = m_buttons->addButton(QStringLiteral("Launch"), QDialogButtonBox::AcceptRole);
    m_launch->setObjectName(QStringLiteral("launchButton"));
    m_launch->setDefault(true);
    m_playbook->setObjectName(QStringLiteral("playbook"));
    m_service->setObjectName(QStringLiteral("service"));
    m_tag->setObjectName(QStringLiteral("tag"));
    m_nodes->setObjectName(QStringLiteral("nodes"));
    m_byService->setObjectName(QStringLiteral("byService"));
    m_byNodes->setObjectName(QStringLiteral("byNodes"));
    m_extraVars->setObjectName(QStringLiteral("extraVars"));
    m_extraVarsStatus->setObjectName(QStringLiteral("extraVarsStatus"));
    m_checkMode->setObjectName(QStringLiteral("checkMode"));
    m_timeoutMin->setObjectName(QStringLiteral("timeout"));
    m_nodeTimeoutMin->setObjectName(QStringLiteral("nodeTimeout"));
    m_preview->setObjectName(QStringLiteral("preview"));
    m_budget->setObjectName(QStringLiteral("budget"));
    m_offline->setObjectName(QStringLiteral("offline"));
    m_estimate->setObjectName(QStringLiteral("estimate"));
    m_overrideFreeze->setObjectName(QStringLiteral("overrideFreeze"));
    m_problems->setObjectName(QStringLiteral("problems"));

    m_playbook->addItems(m_context.playbooks);
    if (!m_context.defaultPlaybook.isEmpty())
        m_playbook->setCurrentText(m_context.defaultPlaybook);
    if (m_context.services)
        m_service->addItems(m_context.services->serviceNames());
    m_service->setEditable(true); // Consul may be down: a service can still be typed
    m_service->setInsertPolicy(QComboBox::NoInsert);
    if (!m_context.defaultService.isEmpty())
        m_service->setCurrentText(m_context.defaultService);
    m_tag->setEditable(true);
    m_nodes->setPlaceholderText(QStringLiteral("web-1, web-2 … (space or comma separated)"));
    m_extraVars->setPlaceholderText(QStringLiteral("key=value per line, or a JSON object"));
    m_extraVars->setTabChangesFocus(true);
    m_extraVars->setFixedHeight(fontMetrics().height() * 5);
    m_timeoutMin->setRange(1, 7 * 24 * 60);
    m_timeoutMin->setSuffix(QStringLiteral(" min"));
    m_timeoutMin->setValue(60);
    m_nodeTimeoutMin->setRange(1, 7 * 24 * 60);
    m_nodeTimeoutMin->setSuffix(QStringLiteral(" min"));
    m_nodeTimeoutMin->setValue(30);
    m_haltOnFailure->setChecked(true);
    m_byService->setChecked(true);
    m_overrideFreeze->hide();

    auto *form = new QFormLayout;
    form->addRow(QStringLiteral("Playbook"), m_playbook);
    auto *targetRow = new QHBoxLayout;
    targetRow->addWidget(m_byService);
    targetRow->addWidget(m_service, 2);
    targetRow->addWidget(new QLabel(QStringLiteral("tag"), this));
    targetRow->addWidget(m_tag, 1);
    form->addRow(QStringLiteral("Target"), targetRow);
    auto *nodesRow = new QHBoxLayout;
    nodesRow->addWidget(m_byNodes);
    nodesRow->addWidget(m_nodes, 1);
    form->addRow(QString(), nodesRow);
    form->addRow(QStringLiteral("Extra vars"), m_extraVars);
    form->addRow(QString(), m_extraVarsStatus);
    auto *timeouts = new QHBoxLayout;
    timeouts->addWidget(new QLabel(QStringLiteral("job"), this));
    timeouts->addWidget(m_timeoutMin);
    timeouts->addWidget(new QLabel(QStringLiteral("each node"), this));
    timeouts->addWidget(m_nodeTimeoutMin);
    timeouts->addStretch(1);
    form->addRow(QStringLiteral("Timeouts"), timeouts);
    form->addRow(QString(), m_checkMode);
    form->addRow(QString(), m_haltOnFailure);

    auto *previewBox = new QGroupBox(QStringLiteral("Before you launch"), this);
    auto *pv = new QVBoxLayout(previewBox);
    m_preview->setHeaderLabels({ QStringLiteral("Node"), QStringLiteral("Service"), QStringLiteral("Health now") });
    m_preview->setRootIsDecorated(false);
    m_preview->setUniformRowHeights(true);
    m_preview->header()->setStretchLastSection(true);
    m_preview->setMinimumHeight(fontMetrics().height() * 7);
    for (QLabel *l : { m_budget, m_offline, m_estimate, m_problems }) {
        l->setWordWrap(true);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    pv->addWidget(m_preview, 1);
    pv->addWidget(m_budget);
    pv->addWidget(m_offline);
    pv->addWidget(m_estimate);
    pv->addWidget(m_overrideFreeze);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(previewBox, 1);
    layout->addWidget(m_problems);
    layout->addWidget(m_buttons);

    auto changed = [this] { revalidate(); };
    connect(m_playbook, &QComboBox::currentTextChanged, this, changed);
    connect(m_service, &QComboBox::currentTextChanged, this, [this] {
        fillTags();
        revalidate();
    });
    connect(m_tag, &QComboBox::currentTextChanged, this, changed);
    connect(m_nodes, &QLineEdit::textChanged, this, [this] {
        if (!m_nodes->text().isEmpty())
            m_byNodes->setChecked(true);
        revalidate();
    });
    connect(m_byService, &QRadioButton::toggled, this, changed);
    connect(m_extraVars, &QPlainTextEdit::textChanged, this, changed);
    connect(m_overrideFreeze, &QCheckBox::toggled, this, changed);
    connect(m_timeoutMin, &QSpinBox::valueChanged, this, changed);
    connect(m_nodeTimeoutMin, &QSpinBox::valueChanged, this, changed);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_launch, &QPushButton::clicked, this, [this] {
        if (!problems().isEmpty() || m_busy)
            return;
        setBusy(true);
        Q_EMIT launchRequested(spec(), m_idempotencyKey);
    });
    if (m_context.services)
        connect(m_context.services, &QAbstractItemModel::dataChanged, this, &LaunchDialog::refreshPreview);
    fillTags();
    revalidate();
    resize(std::max(640, sizeHint().width()), std::max(620, sizeHint().height()));
}

const ServiceStatus *LaunchDialog::selectedService() const
{
    if (!m_context.services)
        return nullptr;
    return m_context.services->service(m_service->currentText().trimmed());
}

void LaunchDialog::fillTags()
{
    const QString current = m_tag->currentText();
    m_tag->blockSignals(true);
    m_tag->clear();
    m_tag->addItem(QString());
    if (const ServiceStatus *s = selectedService())
        m_tag->addItems(s->tags);
    m_tag->setCurrentText(current);
    m_tag->blockSignals(false);
}

QStringList LaunchDialog::explicitNodes() const
{
    static const QRegularExpression separators(QStringLiteral("[\\s,;]+"));
    QStringList out;
    for (const QString &n : m_nodes->text().split(separators, Qt::SkipEmptyParts)) {
        if (!out.contains(n))
            out << n;
    }
    return out;
}

QStringList LaunchDialog::targetNodes() const
{
    if (m_byNodes->isChecked())
        return explicitNodes();
    QStringList out;
    if (const ServiceStatus *s = selectedService()) {
        const QString tag = m_tag->currentText().trimmed();
        for (const Consul::ServiceHealth &h : s->instanceHealth) {
            if (!tag.isEmpty() && !h.service.tags.contains(tag))
                continue;
            if (!out.contains(h.node.name))
                out << h.node.name;
        }
    }
    return out;
}

QList<const ServiceStatus *> LaunchDialog::servicesOfTarget() const
{
    QList<const ServiceStatus *> out;
    if (!m_context.services)
        return out;
    if (m_byService->isChecked()) {
        if (const ServiceStatus *s = selectedService())
            out << s;
        return out;
    }
    const QStringList nodes = explicitNodes();
    for (int row = 0; row < m_context.services->rowCount(); ++row) {
        const ServiceStatus *s = m_context.services->serviceAt(row);
        for (const Consul::ServiceHealth &h : s->instanceHealth) {
            if (nodes.contains(h.node.name)) {
                out << s;
                break;
            }
        }
    }
    return out;
}

QStringList LaunchDialog::problems() const
{
    QStringList out;
    if (m_playbook->currentText().trimmed().isEmpty())
        out << QStringLiteral("Pick a playbook.");
    if (m_byService->isChecked()) {
        if (m_service->currentText().trimmed().isEmpty())
            out << QStringLiteral("Pick a service, or list nodes.");
        else if (m_context.consulAvailable && m_context.services && m_context.services->rowCount() > 0
            && !selectedService())
            out << QStringLiteral("Consul knows no service \"%1\".").arg(m_service->currentText().trimmed());
        else if (m_context.consulAvailable && selectedService() && targetNodes().isEmpty()) {
            const QString tag = m_tag->currentText().trimmed();
            if (tag.isEmpty())
                out << QStringLiteral("Consul lists no instance of %1 (yet).").arg(m_service->currentText().trimmed());
            else
                out << QStringLiteral("No instance of %1 has the tag \"%2\".")
                           .arg(m_service->currentText().trimmed(), tag);
        }
    } else {
        const QStringList nodes = explicitNodes();
        if (nodes.isEmpty())
            out << QStringLiteral("List at least one node.");
        QStringList bad;
        for (const QString &n : nodes) {
            if (!nodeNamePattern().match(n).hasMatch())
                bad << n;
        }
        if (!bad.isEmpty())
            out << QStringLiteral("Not a node name: %1.").arg(bad.join(QStringLiteral(", ")));
    }
    if (auto vars = ExtraVars::parse(m_extraVars->toPlainText()); !vars)
        out << vars.error().message;
    if (m_nodeTimeoutMin->value() > m_timeoutMin->value())
        out << QStringLiteral("A node's timeout cannot be longer than the job's.");
    if (!m_overrideFreeze->isChecked()) {
        for (const ServiceStatus *s : servicesOfTarget()) {
            if (s->budget.maxOffline.isFrozen())
                out << QStringLiteral("%1 is frozen (max_offline is 0): no node may leave it. Tick the override "
                                      "to launch anyway.")
                           .arg(s->service);
        }
    }
    return out;
}

JobSpec LaunchDialog::spec() const
{
    JobSpec s;
    s.playbook = m_playbook->currentText().trimmed();
    if (m_byService->isChecked()) {
        s.target.service = m_service->currentText().trimmed();
        s.target.tag = m_tag->currentText().trimmed();
    } else {
        s.target.nodes = explicitNodes();
        const auto services = servicesOfTarget();
        if (services.size() == 1)
            s.target.service = services.first()->service;
    }
    if (auto vars = ExtraVars::parse(m_extraVars->toPlainText()))
        s.extraVars = *vars;
    s.checkMode = m_checkMode->isChecked();
    s.timeoutS = m_timeoutMin->value() * 60;
    s.nodeTimeoutS = m_nodeTimeoutMin->value() * 60;
    s.haltOnFailure = m_haltOnFailure->isChecked();
    s.overrideFreeze = m_overrideFreeze->isChecked();
    return s;
}

void LaunchDialog::refreshPreview()
{
    fillTags();
    revalidate();
}

void LaunchDialog::revalidate()
{
    const Theme &theme = Theme::current();
    // Extra vars feedback right under the editor.
    if (auto vars = ExtraVars::parse(m_extraVars->toPlainText())) {
        m_extraVarsStatus->setText(vars->empty() ? QString() : QStringLiteral("%1 variable(s)").arg(vars->size()));
        m_extraVarsStatus->setStyleSheet(QString());
    } else {
        m_extraVarsStatus->setText(vars.error().message);
        m_extraVarsStatus->setStyleSheet(QStringLiteral("color: %1").arg(theme.color(Theme::Role::Critical).name()));
    }

    // Preview of the target.
    m_preview->clear();
    QHash<QString, QPair<QString, QString>> known; // node → (service, health)
    if (m_context.services) {
        for (int row = 0; row < m_context.services->rowCount(); ++row) {
            const ServiceStatus *s = m_context.services->serviceAt(row);
            for (const Consul::ServiceHealth &h : s->instanceHealth)
                known.insert(h.node.name, { s->service, healthText(h) });
        }
    }
    const QStringList nodes = targetNodes();
    for (const QString &n : nodes) {
        auto *item = new QTreeWidgetItem(m_preview);
        item->setText(0, n);
        if (known.contains(n)) {
            item->setText(1, known.value(n).first);
            item->setText(2, known.value(n).second);
            if (known.value(n).second != u"passing")
                item->setForeground(2, theme.color(Theme::Role::Critical));
        } else {
            item->setText(2,
                m_context.consulAvailable ? QStringLiteral("not in the Consul catalog")
                                          : QStringLiteral("unknown (Consul unreachable)"));
            item->setForeground(2, theme.color(Theme::Role::MutedText));
        }
    }
    m_preview->resizeColumnToContents(0);

    const auto services = servicesOfTarget();
    bool frozen = false;
    QStringList budgetLines;
    QStringList offlineLines;
    for (const ServiceStatus *s : services) {
        const ServiceBudget &b = s->budget;
        frozen = frozen || b.maxOffline.isFrozen();
        budgetLines << QStringLiteral("%1: max_offline %2 — %3 of %4 slot(s) free now%5")
                           .arg(s->service, b.maxOffline.describe(s->instances))
                           .arg(b.freeSlots())
                           .arg(b.limit())
                           .arg(b.holders.isEmpty()
                                   ? QString()
                                   : QStringLiteral(", held by %1").arg(b.holders.join(QStringLiteral(", "))));
        if (!b.maxOfflineWarning.isEmpty())
            budgetLines << b.maxOfflineWarning;
        if (b.offline.isEmpty()) {
            offlineLines << QStringLiteral("%1: every instance is in service.").arg(s->service);
        } else {
            QStringList who;
            for (const OfflinePeer &p : b.offline)
                who << QStringLiteral("%1 (%2)").arg(p.node, p.reason);
            offlineLines << QStringLiteral("%1: %2 offline now: %3")
                                .arg(s->service)
                                .arg(b.offline.size())
                                .arg(who.join(QStringLiteral(", ")));
        }
    }
    if (!m_context.consulAvailable)
        budgetLines << QStringLiteral("Consul is unreachable: no health or budget preview. The gate still enforces "
                                      "max_offline on every node.");
    else if (services.isEmpty())
        budgetLines << QStringLiteral("No Consul service matches the target yet.");
    m_budget->setText(budgetLines.join(u'\n'));
    m_offline->setText(offlineLines.join(u'\n'));

    const QString playbook = m_playbook->currentText().trimmed();
    const QString service = services.size() == 1 ? services.first()->service : QString();
    const auto [median, runs]
        = m_context.estimate ? m_context.estimate(playbook, service) : std::pair<qint64, int>(-1, 0);
    if (runs > 0)
        m_estimate->setText(QStringLiteral("Estimated duration: about %1 (median of %2 past run%3 of %4%5).")
                                .arg(Format::duration(median))
                                .arg(runs)
                                .arg(runs == 1 ? QString() : QStringLiteral("s"), playbook,
                                    service.isEmpty() ? QString() : QStringLiteral(" on ") + service));
    else
        m_estimate->setText(QStringLiteral("Estimated duration: unknown (no finished run of %1%2 yet).")
                                .arg(playbook, service.isEmpty() ? QString() : QStringLiteral(" on ") + service));

    m_overrideFreeze->setVisible(frozen);
    if (!frozen)
        m_overrideFreeze->setChecked(false);

    const QStringList p = problems();
    QStringList shown = p;
    if (!m_lastError.isEmpty())
        shown << m_lastError;
    if (m_busy)
        shown << QStringLiteral("Launching…");
    m_problems->setText(shown.join(u'\n'));
    m_problems->setStyleSheet(p.isEmpty() && m_lastError.isEmpty()
            ? QString()
            : QStringLiteral("color: %1").arg(theme.color(Theme::Role::Critical).name()));
    m_launch->setEnabled(p.isEmpty() && !m_busy);
    m_launch->setText(nodes.isEmpty() ? QStringLiteral("Launch")
                                      : QStringLiteral("Launch on %1 node%2")
                                            .arg(nodes.size())
                                            .arg(nodes.size() == 1 ? QString() : QStringLiteral("s")));
}

void LaunchDialog::setBusy(bool busy)
{
    m_busy = busy;
    if (busy)
        m_lastError.clear();
    revalidate();
}

void LaunchDialog::launchFailed(const Error &error)
{
    m_lastError = QStringLiteral("The job service did not launch it: %1").arg(error.message);
    setBusy(false);
}

} // namespace Baton
