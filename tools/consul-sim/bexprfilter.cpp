#include "tools/consul-sim/bexprfilter.h"

#include <sstream>

#include <QRegularExpression>

namespace Baton::ConsulSim {

using Type = BexprFilter::Schema::Type;

struct BexprFilter::Node
{
    enum class Kind
    {
        And,
        Or,
        Not,
        Match
    };
    enum class Op
    {
        Eq,
        Ne,
        IsEmpty,
        IsNotEmpty,
        In,
        NotIn,
        Contains,
        NotContains,
        Matches,
        NotMatches
    };
    Kind kind = Kind::Match;
    std::shared_ptr<const Node> left;
    std::shared_ptr<const Node> right;
    Op op = Op::Eq;
    std::vector<std::string> path;
    std::string value;
    Type type = Type::String;
    QRegularExpression regex;
};

namespace {

using Node = BexprFilter::Node;
using Op = Node::Op;

struct ParseError
{
    std::string message;
};

const char *opName(Op op)
{
    switch (op) {
    case Op::Eq:
        return "Equal";
    case Op::Ne:
        return "Not Equal";
    case Op::IsEmpty:
        return "Is Empty";
    case Op::IsNotEmpty:
        return "Is Not Empty";
    case Op::In:
        return "In";
    case Op::NotIn:
        return "Not In";
    case Op::Contains:
        return "Contains";
    case Op::NotContains:
        return "Not Contains";
    case Op::Matches:
        return "Matches";
    case Op::NotMatches:
        return "Not Matches";
    }
    return "?";
}

struct Token
{
    enum class Kind
    {
        Word,
        String,
        LParen,
        RParen,
        Dot,
        LBracket,
        RBracket,
        Eq,
        Ne,
        End
    };
    Kind kind = Kind::End;
    std::string text;
    std::size_t offset = 0;
};

class Lexer
{
public:
    explicit Lexer(const std::string &s)
        : m_s(s)
    { }

    std::vector<Token> run()
    {
        std::vector<Token> out;
        std::size_t i = 0;
        while (true) {
            while (i < m_s.size() && (m_s[i] == ' ' || m_s[i] == '\t' || m_s[i] == '\n' || m_s[i] == '\r'))
                ++i;
            Token t;
            t.offset = i;
            if (i >= m_s.size()) {
                out.push_back(t);
                return out;
            }
            const char c = m_s[i];
            if (c == '(' || c == ')' || c == '.' || c == '[' || c == ']') {
                t.kind = c == '(' ? Token::Kind::LParen
                    : c == ')'    ? Token::Kind::RParen
                    : c == '.'    ? Token::Kind::Dot
                    : c == '['    ? Token::Kind::LBracket
                                  : Token::Kind::RBracket;
                ++i;
            } else if (c == '=' && i + 1 < m_s.size() && m_s[i + 1] == '=') {
                t.kind = Token::Kind::Eq;
                i += 2;
            } else if (c == '!' && i + 1 < m_s.size() && m_s[i + 1] == '=') {
                t.kind = Token::Kind::Ne;
                i += 2;
            } else if (c == '"') {
                t.kind = Token::Kind::String;
                ++i;
                bool closed = false;
                while (i < m_s.size()) {
                    if (m_s[i] == '\\' && i + 1 < m_s.size()) {
                        const char e = m_s[i + 1];
                        t.text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
                        i += 2;
                    } else if (m_s[i] == '"') {
                        closed = true;
                        ++i;
                        break;
                    } else {
                        t.text += m_s[i++];
                    }
                }
                if (!closed)
                    throw error(t.offset, "unterminated string");
            } else if (c == '`') {
                t.kind = Token::Kind::String;
                const std::size_t end = m_s.find('`', i + 1);
                if (end == std::string::npos)
                    throw error(t.offset, "unterminated raw string");
                t.text = m_s.substr(i + 1, end - i - 1);
                i = end + 1;
            } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') {
                t.kind = Token::Kind::Word;
                while (i < m_s.size()
                    && (std::isalnum(static_cast<unsigned char>(m_s[i])) || m_s[i] == '_' || m_s[i] == '-'))
                    t.text += m_s[i++];
            } else {
                throw error(i, "no match found, unexpected " + std::string(1, c));
            }
            out.push_back(std::move(t));
        }
    }

    ParseError error(std::size_t offset, const std::string &what) const
    {
        return ParseError { "1:" + std::to_string(offset + 1) + " (" + std::to_string(offset) + "): " + what };
    }

private:
    const std::string &m_s;
};

bool isKeyword(const std::string &w)
{
    return w == "and" || w == "or" || w == "not" || w == "in" || w == "contains" || w == "matches" || w == "is"
        || w == "empty";
}

bool isIdentifier(const std::string &w)
{
    if (w.empty() || !(std::isalpha(static_cast<unsigned char>(w[0])) || w[0] == '_'))
        return false;
    for (const char c : w) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            return false;
    }
    return true;
}

class Parser
{
public:
    Parser(const std::string &text, const BexprFilter::Schema &schema)
        : m_schema(schema)
        , m_tokens(Lexer(text).run())
    { }

    // Bounds that keep parsing, evaluating and destroying the tree's recursion shallow whatever the input:
    // a filter comes straight from a URL.
    static constexpr int kMaxDepth = 64;
    static constexpr int kMaxNodes = 1024;

    std::shared_ptr<const Node> parse()
    {
        auto n = parseOr();
        if (peek().kind != Token::Kind::End)
            throw errorAt(peek(), "no match found, expected: \"and\", \"or\" or end of input");
        return n;
    }

private:
    const Token &peek(std::size_t ahead = 0) const { return m_tokens[std::min(m_pos + ahead, m_tokens.size() - 1)]; }
    const Token &take() { return m_tokens[std::min(m_pos++, m_tokens.size() - 1)]; }
    bool peekWord(const char *w, std::size_t ahead = 0) const
    {
        return peek(ahead).kind == Token::Kind::Word && peek(ahead).text == w;
    }
    ParseError errorAt(const Token &t, const std::string &what) const
    {
        return ParseError { "1:" + std::to_string(t.offset + 1) + " (" + std::to_string(t.offset) + "): " + what };
    }

    std::shared_ptr<Node> newNode()
    {
        if (++m_nodes > kMaxNodes)
            throw ParseError { "expression has more than " + std::to_string(kMaxNodes) + " terms" };
        return std::make_shared<Node>();
    }

    struct DepthGuard
    {
        DepthGuard(Parser &p, const Token &at)
            : parser(p)
        {
            if (++parser.m_depth > kMaxDepth)
                throw parser.errorAt(at, "expression nested deeper than " + std::to_string(kMaxDepth) + " levels");
        }
        ~DepthGuard() { --parser.m_depth; }
        Parser &parser;
    };

    std::shared_ptr<const Node> parseOr()
    {
        DepthGuard guard(*this, peek());
        auto left = parseAnd();
        while (peekWord("or")) {
            take();
            auto n = newNode();
            n->kind = Node::Kind::Or;
            n->left = left;
            n->right = parseAnd();
            left = n;
        }
        return left;
    }

    std::shared_ptr<const Node> parseAnd()
    {
        auto left = parseNot();
        while (peekWord("and")) {
            take();
            auto n = newNode();
            n->kind = Node::Kind::And;
            n->left = left;
            n->right = parseNot();
            left = n;
        }
        return left;
    }

    std::shared_ptr<const Node> parseNot()
    {
        DepthGuard guard(*this, peek());
        if (peekWord("not") && !(peekWord("in", 1) || peekWord("contains", 1) || peekWord("matches", 1))) {
            take();
            auto n = newNode();
            n->kind = Node::Kind::Not;
            n->left = parseNot();
            return n;
        }
        if (peek().kind == Token::Kind::LParen) {
            take();
            auto inner = parseOr();
            if (peek().kind != Token::Kind::RParen)
                throw errorAt(peek(), "no match found, expected: \")\"");
            take();
            return inner;
        }
        return parseMatch();
    }

    // A selector: Ident ("." Ident | "[" String "]")*.
    std::vector<std::string> parseSelector()
    {
        std::vector<std::string> path;
        const Token &first = take();
        if (first.kind != Token::Kind::Word || !isIdentifier(first.text) || isKeyword(first.text))
            throw errorAt(first, "no match found, expected: selector");
        path.push_back(first.text);
        while (true) {
            if (peek().kind == Token::Kind::Dot) {
                take();
                const Token &part = take();
                if (part.kind != Token::Kind::Word || !isIdentifier(part.text))
                    throw errorAt(part, "no match found, expected: identifier");
                path.push_back(part.text);
            } else if (peek().kind == Token::Kind::LBracket) {
                take();
                const Token &key = take();
                if (key.kind != Token::Kind::String)
                    throw errorAt(key, "no match found, expected: quoted map key");
                if (peek().kind != Token::Kind::RBracket)
                    throw errorAt(peek(), "no match found, expected: \"]\"");
                take();
                path.push_back(key.text);
            } else {
                return path;
            }
        }
    }

    std::string parseValue()
    {
        const Token &t = take();
        if (t.kind == Token::Kind::String)
            return t.text;
        if (t.kind == Token::Kind::Word && !isKeyword(t.text)) {
            std::string v = t.text;
            // Bare values may be dotted numbers or words (1.5, a.b).
            while (peek().kind == Token::Kind::Dot && peek(1).kind == Token::Kind::Word) {
                take();
                v += "." + take().text;
            }
            if (v.find('-') != std::string::npos
                && !(v.size() > 1 && v[0] == '-' && std::isdigit(static_cast<unsigned char>(v[1]))))
                throw errorAt(t, "no match found, expected: value (quote values that contain '-')");
            return v;
        }
        throw errorAt(t, "no match found, expected: value");
    }

    std::shared_ptr<const Node> parseMatch()
    {
        auto n = newNode();
        // "value" in Selector / "value" not in Selector
        const bool valueFirst = peek().kind == Token::Kind::String
            || (peek().kind == Token::Kind::Word && (peekWord("in", 1) || (peekWord("not", 1) && peekWord("in", 2))));
        if (valueFirst) {
            n->value = parseValue();
            if (peekWord("not")) {
                take();
                n->op = Op::NotIn;
            } else {
                n->op = Op::In;
            }
            if (!peekWord("in"))
                throw errorAt(peek(), "no match found, expected: \"in\" or \"not in\"");
            take();
            n->path = parseSelector();
        } else {
            n->path = parseSelector();
            const Token &t = peek();
            if (t.kind == Token::Kind::Eq || t.kind == Token::Kind::Ne) {
                take();
                n->op = t.kind == Token::Kind::Eq ? Op::Eq : Op::Ne;
                n->value = parseValue();
            } else if (peekWord("is")) {
                take();
                bool negate = false;
                if (peekWord("not")) {
                    take();
                    negate = true;
                }
                if (!peekWord("empty"))
                    throw errorAt(peek(), "no match found, expected: \"empty\"");
                take();
                n->op = negate ? Op::IsNotEmpty : Op::IsEmpty;
            } else {
                bool negate = false;
                if (peekWord("not")) {
                    take();
                    negate = true;
                }
                if (peekWord("contains")) {
                    take();
                    n->op = negate ? Op::NotContains : Op::Contains;
                } else if (peekWord("matches")) {
                    take();
                    n->op = negate ? Op::NotMatches : Op::Matches;
                } else {
                    throw errorAt(peek(),
                        "no match found, expected: \"==\", \"!=\", \"is\", \"contains\", "
                        "\"matches\" or \"not\"");
                }
                n->value = parseValue();
            }
        }
        validate(*n);
        return n;
    }

    void validate(Node &n) const
    {
        const BexprFilter::Schema *s = &m_schema;
        std::string shown;
        Type type = Type::Object;
        for (std::size_t i = 0; i < n.path.size(); ++i) {
            const std::string &part = n.path[i];
            shown += (i ? "." : "") + part;
            if (s->type == Type::Opaque) {
                type = Type::Opaque;
                continue;
            }
            if (s->type == Type::StringMap) {
                if (i + 1 != n.path.size())
                    throw ParseError { "Selector \"" + shown + "\" is not valid" };
                type = Type::String;
                s = nullptr;
                break;
            }
            const auto it = s->fields.find(part);
            if (it == s->fields.end() || (s->type != Type::Object && s->type != Type::ObjectList))
                throw ParseError { "Selector \"" + shown + "\" is not valid" };
            s = &it->second;
            type = s->type;
            if (i + 1 < n.path.size() && type != Type::Object && type != Type::ObjectList && type != Type::StringMap
                && type != Type::Opaque) {
                throw ParseError { "Selector \"" + shown + "." + n.path[i + 1] + "\" is not valid" };
            }
        }
        n.type = type;
        bool ok = true;
        switch (type) {
        case Type::String:
        case Type::Opaque:
            break;
        case Type::Int:
        case Type::Bool:
            ok = n.op == Op::Eq || n.op == Op::Ne;
            break;
        case Type::StringList:
        case Type::StringMap:
            ok = n.op == Op::IsEmpty || n.op == Op::IsNotEmpty || n.op == Op::In || n.op == Op::NotIn
                || n.op == Op::Contains || n.op == Op::NotContains;
            break;
        case Type::Object:
        case Type::ObjectList:
            ok = n.op == Op::IsEmpty || n.op == Op::IsNotEmpty;
            break;
        }
        if (!ok)
            throw ParseError { "Invalid match operator \"" + std::string(opName(n.op)) + "\" for \"" + shown + "\"" };
        if (type == Type::Int && (n.op == Op::Eq || n.op == Op::Ne)) {
            std::size_t used = 0;
            try {
                (void)std::stoll(n.value, &used);
            } catch (...) {
                used = 0;
            }
            if (used == 0 || used != n.value.size())
                throw ParseError { "Failed to convert value \"" + n.value + "\" to int for \"" + shown + "\"" };
        }
        if (type == Type::Bool && n.value != "true" && n.value != "false" && n.value != "1" && n.value != "0"
            && n.value != "t" && n.value != "f" && n.value != "T" && n.value != "F" && n.value != "TRUE"
            && n.value != "FALSE" && n.value != "True" && n.value != "False")
            throw ParseError { "Failed to convert value \"" + n.value + "\" to bool for \"" + shown + "\"" };
        if (n.op == Op::Matches || n.op == Op::NotMatches) {
            n.regex = QRegularExpression(QString::fromStdString(n.value));
            if (!n.regex.isValid())
                throw ParseError { "Invalid regular expression \"" + n.value
                    + "\": " + n.regex.errorString().toStdString() };
        }
    }

    const BexprFilter::Schema &m_schema;
    std::vector<Token> m_tokens;
    std::size_t m_pos = 0;
    int m_depth = 0;
    int m_nodes = 0;
};

void collect(const OJson &v, const std::vector<std::string> &path, std::size_t i, std::vector<const OJson *> &out)
{
    if (i == path.size()) {
        out.push_back(&v);
        return;
    }
    if (v.is_array()) {
        for (const OJson &e : v)
            collect(e, path, i, out);
        return;
    }
    if (v.is_object()) {
        const auto it = v.find(path[i]);
        if (it != v.end())
            collect(*it, path, i + 1, out);
    }
}

bool truthy(const std::string &v)
{
    return v == "true" || v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "True";
}

bool isEmptyValue(const OJson &v)
{
    if (v.is_null())
        return true;
    if (v.is_string())
        return v.get<std::string>().empty();
    if (v.is_array() || v.is_object())
        return v.empty();
    return false;
}

// The positive form of a match on one value.
bool positive(const Node &n, Op op, const OJson &v)
{
    switch (op) {
    case Op::Eq:
        if (n.type == Type::Int)
            return v.is_number() && v.get<long long>() == std::stoll(n.value);
        if (n.type == Type::Bool)
            return v.is_boolean() && v.get<bool>() == truthy(n.value);
        return v.is_string() && v.get<std::string>() == n.value;
    case Op::IsEmpty:
        return isEmptyValue(v);
    case Op::IsNotEmpty:
        return !isEmptyValue(v);
    case Op::In:
    case Op::Contains:
        if (v.is_array()) {
            for (const OJson &e : v) {
                if (e.is_string() && e.get<std::string>() == n.value)
                    return true;
            }
            return false;
        }
        if (v.is_object())
            return v.contains(n.value);
        if (v.is_string())
            return v.get<std::string>().find(n.value) != std::string::npos;
        return false;
    case Op::Matches:
        return v.is_string() && n.regex.match(QString::fromStdString(v.get<std::string>())).hasMatch();
    default:
        return false;
    }
}

bool evaluate(const Node &n, const OJson &element)
{
    switch (n.kind) {
    case Node::Kind::And:
        return evaluate(*n.left, element) && evaluate(*n.right, element);
    case Node::Kind::Or:
        return evaluate(*n.left, element) || evaluate(*n.right, element);
    case Node::Kind::Not:
        return !evaluate(*n.left, element);
    case Node::Kind::Match:
        break;
    }
    std::vector<const OJson *> values;
    collect(element, n.path, 0, values);
    Op op = n.op;
    bool negate = false;
    switch (op) {
    case Op::Ne:
        op = Op::Eq;
        negate = true;
        break;
    case Op::NotIn:
        op = Op::In;
        negate = true;
        break;
    case Op::NotContains:
        op = Op::Contains;
        negate = true;
        break;
    case Op::NotMatches:
        op = Op::Matches;
        negate = true;
        break;
    default:
        break;
    }
    if (values.empty()) {
        // A missing map key or field: empty, equal to nothing.
        const bool result = op == Op::IsEmpty;
        return negate ? !result : result;
    }
    bool any = false;
    for (const OJson *v : values) {
        if (positive(n, op, *v)) {
            any = true;
            break;
        }
    }
    return negate ? !any : any;
}

BexprFilter::Schema *descend(BexprFilter::Schema &root, const std::string &path, Type leaf)
{
    BexprFilter::Schema *s = &root;
    std::stringstream parts(path);
    std::string part;
    std::vector<std::string> all;
    while (std::getline(parts, part, '.'))
        all.push_back(part);
    for (std::size_t i = 0; i < all.size(); ++i) {
        std::string name = all[i];
        bool list = false;
        if (name.size() > 2 && name.compare(name.size() - 2, 2, "[]") == 0) {
            list = true;
            name.resize(name.size() - 2);
        }
        BexprFilter::Schema &child = s->fields[name];
        if (i + 1 == all.size() && !list)
            child.type = leaf;
        else
            child.type = list ? Type::ObjectList : (child.type == Type::ObjectList ? Type::ObjectList : Type::Object);
        s = &child;
    }
    return s;
}

} // namespace

BexprFilter::Schema BexprFilter::schema(const std::string &spec)
{
    Schema root;
    std::stringstream items(spec);
    std::string item;
    while (items >> item) {
        const auto colon = item.rfind(':');
        const std::string path = item.substr(0, colon);
        const char t = item[colon + 1];
        const Type type = t == 's' ? Type::String
            : t == 'i'             ? Type::Int
            : t == 'b'             ? Type::Bool
            : t == 'l'             ? Type::StringList
            : t == 'm'             ? Type::StringMap
                                   : Type::Opaque;
        descend(root, path, type);
    }
    return root;
}

namespace {

const char *const kNodeSpec = "ID:s Node:s Address:s Datacenter:s TaggedAddresses:m Meta:m PeerName:s";
const char *const kNodeServiceSpec = "Kind:s ID:s Service:s Tags:l Address:s TaggedAddresses:x Meta:m Port:i "
                                     "SocketPath:s Weights.Passing:i Weights.Warning:i EnableTagOverride:b Proxy:x "
                                     "Connect:x PeerName:s";
const char *const kHealthCheckSpec = "Node:s CheckID:s Name:s Status:s Notes:s Output:s ServiceID:s ServiceName:s "
                                     "ServiceTags:l Type:s Interval:s Timeout:s ExposedPort:i Definition:x PeerName:s";

std::string prefixed(const std::string &prefix, const std::string &spec)
{
    std::stringstream items(spec);
    std::string item;
    std::string out;
    while (items >> item)
        out += prefix + item + " ";
    return out;
}

} // namespace

const BexprFilter::Schema &BexprFilter::nodeSchema()
{
    static const Schema s = schema(kNodeSpec);
    return s;
}

const BexprFilter::Schema &BexprFilter::serviceNodeSchema()
{
    static const Schema s = schema("ID:s Node:s Address:s Datacenter:s TaggedAddresses:m NodeMeta:m ServiceKind:s "
                                   "ServiceID:s ServiceName:s ServiceTags:l ServiceAddress:s ServiceTaggedAddresses:x "
                                   "ServiceWeights.Passing:i ServiceWeights.Warning:i ServiceMeta:m ServicePort:i "
                                   "ServiceSocketPath:s ServiceEnableTagOverride:b ServiceProxy:x ServiceConnect:x "
                                   "PeerName:s");
    return s;
}

const BexprFilter::Schema &BexprFilter::nodeServiceSchema()
{
    static const Schema s = schema(kNodeServiceSpec);
    return s;
}

const BexprFilter::Schema &BexprFilter::agentServiceSchema()
{
    static const Schema s = schema("Kind:s ID:s Service:s Tags:l Meta:m Port:i Address:s SocketPath:s "
                                   "TaggedAddresses:x Weights.Passing:i Weights.Warning:i EnableTagOverride:b "
                                   "Proxy:x Connect:x PeerName:s Datacenter:s");
    return s;
}

const BexprFilter::Schema &BexprFilter::healthCheckSchema()
{
    static const Schema s = schema(kHealthCheckSpec);
    return s;
}

const BexprFilter::Schema &BexprFilter::checkServiceNodeSchema()
{
    static const Schema s = schema(prefixed("Node.", kNodeSpec) + prefixed("Service.", kNodeServiceSpec)
        + prefixed("Checks[].", kHealthCheckSpec));
    return s;
}

std::optional<BexprFilter> BexprFilter::create(const std::string &expression, const Schema &schema, std::string *error)
{
    try {
        Parser parser(expression, schema);
        BexprFilter f;
        f.m_root = parser.parse();
        return f;
    } catch (const ParseError &e) {
        *error = "Failed to create boolean expression evaluator: " + e.message;
        return std::nullopt;
    }
}

bool BexprFilter::matches(const OJson &element) const
{
    return !m_root || evaluate(*m_root, element);
}

} // namespace Baton::ConsulSim
