#include "app/tokenstore.h"

#include "app/applogging.h"
#include "core/base/boundedjson.h"
#include "core/base/jsonfields.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <qt6keychain/keychain.h>

namespace Baton {

namespace {
constexpr qint64 kMaxFileBytes = 1024 * 1024;
}

// ---- keychain ----

KeychainBackend::KeychainBackend(QString service)
    : m_service(std::move(service))
{ }

QString KeychainBackend::describe() const
{
    return QStringLiteral("the system keychain (service \"%1\")").arg(m_service);
}

void KeychainBackend::read(const QString &key, ReadDone done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setAutoDelete(true);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, job, [done = std::move(done)](QKeychain::Job *j) {
        auto *r = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (r->error() == QKeychain::NoError) {
            done(std::optional<QByteArray>(r->binaryData()));
        } else if (r->error() == QKeychain::EntryNotFound) {
            done(std::optional<QByteArray>());
        } else {
            done(fail(Error::Kind::Io, QStringLiteral("keychain: %1").arg(r->errorString())));
        }
    });
    job->start();
}

void KeychainBackend::write(const QString &key, const QByteArray &secret, WriteDone done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setBinaryData(secret);
    QObject::connect(job, &QKeychain::Job::finished, job, [done = std::move(done)](QKeychain::Job *j) {
        if (j->error() == QKeychain::NoError)
            done({});
        else
            done(fail(Error::Kind::Io, QStringLiteral("keychain: %1").arg(j->errorString())));
    });
    job->start();
}

void KeychainBackend::remove(const QString &key, WriteDone done)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, job, [done = std::move(done)](QKeychain::Job *j) {
        if (j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound)
            done({});
        else
            done(fail(Error::Kind::Io, QStringLiteral("keychain: %1").arg(j->errorString())));
    });
    job->start();
}

// ---- file ----

FileSecretBackend::FileSecretBackend(QString path)
    : m_path(std::move(path))
{ }

QString FileSecretBackend::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/baton/tokens.json");
}

QString FileSecretBackend::describe() const
{
    return QStringLiteral("the file %1 (mode 0600)").arg(m_path);
}

Result<QMap<QString, QByteArray>> FileSecretBackend::load() const
{
    QMap<QString, QByteArray> out;
    const QByteArray native = QFile::encodeName(m_path);
    struct stat st
    {
    };
    if (::lstat(native.constData(), &st) != 0) {
        if (errno == ENOENT)
            return out;
        return fail(Error::Kind::Io,
            QStringLiteral("cannot read %1: %2").arg(m_path, QString::fromLocal8Bit(std::strerror(errno))));
    }
    if (!S_ISREG(st.st_mode))
        return fail(
            Error::Kind::Io, QStringLiteral("%1 is not a regular file; refusing to read tokens from it").arg(m_path));
    if (st.st_uid != ::geteuid())
        return fail(
            Error::Kind::Io, QStringLiteral("%1 belongs to another user; refusing to read tokens from it").arg(m_path));
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return fail(Error::Kind::Io,
            QStringLiteral("%1 is accessible by other users (mode %2); run chmod 600 on it")
                .arg(m_path)
                .arg(st.st_mode & 0777, 4, 8, QLatin1Char('0')));
    if (st.st_size > kMaxFileBytes)
        return fail(Error::Kind::TooLarge, QStringLiteral("%1 is larger than 1 MiB").arg(m_path));
    QFile f(m_path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(Error::Kind::Io, QStringLiteral("cannot read %1: %2").arg(m_path, f.errorString()));
    const QByteArray bytes = f.read(kMaxFileBytes + 1);
    if (bytes.trimmed().isEmpty())
        return out;
    auto j = parseJsonBounded(bytes, JsonLimits { std::size_t(kMaxFileBytes), 8 });
    if (!j)
        return fail(Error::Kind::Decode, QStringLiteral("%1: %2").arg(m_path, j.error().message));
    const auto tokens = j->find("tokens");
    if (!j->is_object() || tokens == j->end() || !tokens->is_object())
        return fail(Error::Kind::Decode, QStringLiteral("%1: expected {\"tokens\": {…}}").arg(m_path));
    for (auto it = tokens->begin(); it != tokens->end(); ++it) {
        if (!it->is_string())
            return fail(Error::Kind::Decode, QStringLiteral("%1: every token must be a string").arg(m_path));
        out.insert(QString::fromStdString(it.key()), QByteArray::fromStdString(it->get<std::string>()));
    }
    return out;
}

Result<void> FileSecretBackend::save(const QMap<QString, QByteArray> &entries) const
{
    const QFileInfo info(m_path);
    QDir dir = info.dir();
    if (!dir.exists()) {
        if (!dir.mkpath(QStringLiteral(".")))
            return fail(Error::Kind::Io, QStringLiteral("cannot create %1").arg(dir.path()));
        QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    }
    nlohmann::json tokens = nlohmann::json::object();
    for (auto it = entries.constBegin(); it != entries.constEnd(); ++it)
        tokens[it.key().toStdString()] = it.value().toStdString();
    const std::string text = nlohmann::json { { "version", 1 }, { "tokens", tokens } }.dump(2);

    // Write a new file that is 0600 before the first byte of a secret goes in, then rename it over the old one:
    // readers see the old or the new file, never a half-written or briefly world-readable one.
    const QString temp = m_path + QStringLiteral(".tmp");
    QFile::remove(temp);
    QFile f(temp);
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return fail(Error::Kind::Io, QStringLiteral("cannot write %1: %2").arg(temp, f.errorString()));
    if (!f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        f.close();
        QFile::remove(temp);
        return fail(Error::Kind::Io, QStringLiteral("cannot make %1 private").arg(temp));
    }
    if (f.write(text.data(), qint64(text.size())) != qint64(text.size()) || !f.flush()) {
        f.close();
        QFile::remove(temp);
        return fail(Error::Kind::Io, QStringLiteral("cannot write %1: %2").arg(temp, f.errorString()));
    }
    f.close();
    if (std::rename(QFile::encodeName(temp).constData(), QFile::encodeName(m_path).constData()) != 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        QFile::remove(temp);
        return fail(Error::Kind::Io, QStringLiteral("cannot replace %1: %2").arg(m_path, why));
    }
    return {};
}

void FileSecretBackend::read(const QString &key, ReadDone done)
{
    auto entries = load();
    if (!entries) {
        done(fail(entries.error()));
        return;
    }
    if (!entries->contains(key)) {
        done(std::optional<QByteArray>());
        return;
    }
    done(std::optional<QByteArray>(entries->value(key)));
}

void FileSecretBackend::write(const QString &key, const QByteArray &secret, WriteDone done)
{
    auto entries = load();
    if (!entries) {
        done(fail(entries.error()));
        return;
    }
    entries->insert(key, secret);
    done(save(*entries));
}

void FileSecretBackend::remove(const QString &key, WriteDone done)
{
    auto entries = load();
    if (!entries) {
        done(fail(entries.error()));
        return;
    }
    if (entries->remove(key) == 0) {
        done({});
        return;
    }
    done(save(*entries));
}

// ---- store ----

TokenStore::TokenStore(
    std::unique_ptr<SecretBackend> primary, std::unique_ptr<SecretBackend> fallback, Mode mode, QObject *parent)
    : QObject(parent)
    , m_primary(std::move(primary))
    , m_fallback(std::move(fallback))
    , m_mode(mode)
    , m_useFallback(mode == Mode::FileOnly)
{ }

std::optional<TokenStore::Mode> TokenStore::modeFromName(QStringView name)
{
    if (name.isEmpty() || name == u"auto")
        return Mode::Auto;
    if (name == u"keychain")
        return Mode::KeychainOnly;
    if (name == u"file")
        return Mode::FileOnly;
    return std::nullopt;
}

TokenStore *TokenStore::createDefault(QObject *parent)
{
    const QString name = QProcessEnvironment::systemEnvironment().value(QStringLiteral("BATON_TOKEN_STORE"));
    const Mode mode = modeFromName(name).value_or(Mode::Auto);
    if (!modeFromName(name))
        qCWarning(lcTokens).noquote() << "BATON_TOKEN_STORE must be auto, keychain or file; using auto";
    return new TokenStore(std::make_unique<KeychainBackend>(),
        std::make_unique<FileSecretBackend>(FileSecretBackend::defaultPath()), mode, parent);
}

QString TokenStore::key(const QString &profile, Kind kind)
{
    return QStringLiteral("%1/%2").arg(
        profile, kind == Kind::JobService ? QStringLiteral("job-service") : QStringLiteral("consul"));
}

SecretBackend *TokenStore::active() const
{
    return m_useFallback ? m_fallback.get() : m_primary.get();
}

QString TokenStore::describe() const
{
    return active()->describe();
}

void TokenStore::switchToFallback(const QString &reason)
{
    if (m_useFallback || m_mode != Mode::Auto)
        return;
    m_useFallback = true;
    qCWarning(lcTokens).noquote() << "the system keychain is not usable (" << reason << "); tokens go to"
                                  << m_fallback->describe();
    Q_EMIT fellBack(reason);
}

void TokenStore::read(const QString &profile, Kind kind, QObject *context, std::function<void(Result<QByteArray>)> done)
{
    const QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    const QString k = key(profile, kind);
    auto deliver = [guard, hasContext, done](Result<QByteArray> r) {
        if (hasContext && !guard)
            return;
        done(std::move(r));
    };
    auto fromFallback = [this, k, deliver]() {
        m_fallback->read(k, [deliver](Result<std::optional<QByteArray>> r) {
            if (!r)
                deliver(fail(r.error()));
            else
                deliver(r->value_or(QByteArray()));
        });
    };
    if (m_useFallback) {
        fromFallback();
        return;
    }
    const QPointer<TokenStore> self(this);
    m_primary->read(k, [self, deliver, fromFallback](Result<std::optional<QByteArray>> r) {
        if (!self)
            return;
        if (r && r->has_value()) {
            deliver(**r);
            return;
        }
        if (!r && self->m_mode == Mode::KeychainOnly) {
            deliver(fail(r.error()));
            return;
        }
        if (!r)
            self->switchToFallback(r.error().message);
        // Not in the keychain (or no keychain): a token may have been stored in the file earlier.
        if (self->m_mode == Mode::Auto)
            fromFallback();
        else
            deliver(QByteArray());
    });
}

void TokenStore::write(const QString &profile, Kind kind, const QByteArray &token, QObject *context,
    std::function<void(Result<void>)> done)
{
    const QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    const QString k = key(profile, kind);
    auto deliver = [guard, hasContext, done](Result<void> r) {
        if (hasContext && !guard)
            return;
        done(std::move(r));
    };
    auto toFallback = [this, k, token, deliver]() {
        if (token.isEmpty())
            m_fallback->remove(k, deliver);
        else
            m_fallback->write(k, token, deliver);
    };
    if (m_useFallback) {
        toFallback();
        return;
    }
    const QPointer<TokenStore> self(this);
    auto after = [self, deliver, toFallback, k](Result<void> r) {
        if (!self)
            return;
        if (r || self->m_mode == Mode::KeychainOnly) {
            // The keychain has it now; a stale copy in the file must not win later.
            if (r && self->m_mode == Mode::Auto)
                self->m_fallback->remove(k, [](Result<void>) {});
            deliver(std::move(r));
            return;
        }
        self->switchToFallback(r.error().message);
        toFallback();
    };
    if (token.isEmpty())
        m_primary->remove(k, after);
    else
        m_primary->write(k, token, after);
}

} // namespace Baton
