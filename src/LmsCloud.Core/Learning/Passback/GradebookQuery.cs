using System.Globalization;

namespace LmsCloud.Core.Learning.Passback;

/// <summary>
/// A request the OneRoster provider refuses, answered with the specification's status envelope (imsx_StatusInfo):
/// <c>CodeMinor</c> is one of the spec's values (invalid_filter_field, invalid_sort_field, invalid_selection_field,
/// invaliddata, unknownobject, forbidden, unauthorisedrequest).
/// </summary>
public sealed class GradebookRefusal(int status, string codeMinor, string description) : Exception(description)
{
    public int Status { get; } = status;
    public string CodeMinor { get; } = codeMinor;

    public static GradebookRefusal NotFound(string what) => new(404, "unknownobject", $"{what} not found.");
}

public enum FieldKind { Text, Time, Date, Number }

/// <summary>One filterable/sortable field of a collection: its OneRoster name (dotted for references: class.sourcedId), which is also its column.</summary>
public sealed record GradebookField(string Name, FieldKind Kind);

/// <summary>
/// The query parameters of a OneRoster collection (REST binding §3.4): <c>limit</c> (default 100, at most
/// <see cref="MaxLimit"/>), <c>offset</c>, <c>sort</c> + <c>orderBy</c> (asc|desc), <c>filter</c> and <c>fields</c>.
/// Strict: an unknown field, a malformed filter or a bad number is refused, never ignored, so a SIS never mistakes a
/// partial answer for a complete one.
/// </summary>
public sealed record GradebookQuery(int Limit, int Offset, string? Sort, bool Descending, IReadOnlyList<FilterPredicate> Filter, string? Logic,
    IReadOnlyList<string>? Fields)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static GradebookQuery Parse(string? limit, string? offset, string? sort, string? orderBy, string? filter, string? fields)
    {
        var l = DefaultLimit;
        if (limit != null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out l) || l < 1 || l > MaxLimit))
            throw new GradebookRefusal(400, "invaliddata", $"limit must be a whole number from 1 to {MaxLimit}.");
        var o = 0;
        if (offset != null && !int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out o))
            throw new GradebookRefusal(400, "invaliddata", "offset must be a whole number, 0 or more.");
        var descending = orderBy switch
        {
            null or "asc" => false,
            "desc" => true,
            _ => throw new GradebookRefusal(400, "invaliddata", "orderBy must be asc or desc."),
        };
        var (predicates, logic) = string.IsNullOrWhiteSpace(filter) ? ([], null) : ParseFilter(filter);
        var selected = string.IsNullOrWhiteSpace(fields) ? null : fields.Split(',').Select(f => f.Trim()).Where(f => f.Length > 0).ToList();
        return new GradebookQuery(l, o, string.IsNullOrWhiteSpace(sort) ? null : sort.Trim(), descending, predicates, logic, selected);
    }

    /// <summary>
    /// <c>field op 'value'</c> joined by <c> AND </c> or <c> OR </c> (one kind per filter: mixing them has no defined
    /// precedence in the specification, so it is refused). Operators: = != &gt; &gt;= &lt; &lt;= ~ (contains).
    /// </summary>
    static (List<FilterPredicate>, string?) ParseFilter(string filter)
    {
        var predicates = new List<FilterPredicate>();
        string? logic = null;
        var i = 0;
        var s = filter.Trim();
        while (true)
        {
            var start = i;
            while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '.')) i++;
            var field = s[start..i];
            while (i < s.Length && s[i] == ' ') i++;
            var op = i + 1 < s.Length && s.Substring(i, 2) is ">=" or "<=" or "!=" ? s.Substring(i, 2)
                : i < s.Length && s[i] is '=' or '>' or '<' or '~' ? s[i].ToString() : null;
            if (field.Length == 0 || op == null) throw Bad(filter, "expected field, operator and a quoted value (status='active')");
            i += op.Length;
            while (i < s.Length && s[i] == ' ') i++;
            if (i >= s.Length || s[i] != '\'') throw Bad(filter, "values are written in single quotes");
            var close = s.IndexOf('\'', i + 1);
            if (close < 0) throw Bad(filter, "a value's closing quote is missing");
            predicates.Add(new FilterPredicate(field, op, s[(i + 1)..close]));
            i = close + 1;
            if (i >= s.Length) break;
            var rest = s[i..];
            var next = rest.StartsWith(" AND ", StringComparison.Ordinal) ? "AND" : rest.StartsWith(" OR ", StringComparison.Ordinal) ? "OR" : null;
            if (next == null) throw Bad(filter, "predicates are joined by ' AND ' or ' OR '");
            if (logic != null && logic != next) throw Bad(filter, "AND and OR cannot be mixed in one filter");
            logic = next;
            i += next.Length + 2;
            while (i < s.Length && s[i] == ' ') i++;
        }
        return (predicates, logic);
    }

    static GradebookRefusal Bad(string filter, string why) => new(400, "invalid_filter_field", $"The filter '{filter}' is not valid: {why}.");
}

public sealed record FilterPredicate(string Field, string Operator, string Value);

/// <summary>Turns a parsed query into SQL over a collection's columns, with the values as parameters (never text in the SQL).</summary>
public static class GradebookSql
{
    /// <summary>The WHERE conditions (without WHERE) for the filter, adding parameters; "true" when there is no filter.</summary>
    public static string Where(GradebookQuery query, IReadOnlyList<GradebookField> fields, List<object> parameters, int firstParameter)
    {
        if (query.Filter.Count == 0) return "true";
        var parts = new List<string>();
        foreach (var p in query.Filter)
        {
            var field = fields.FirstOrDefault(f => f.Name == p.Field)
                ?? throw new GradebookRefusal(400, "invalid_filter_field", $"'{p.Field}' is not a field of this collection; filterable: {string.Join(", ", fields.Select(f => f.Name))}.");
            var n = firstParameter + parameters.Count;
            var column = $"r.\"{field.Name}\"";
            if (p.Operator == "~")
            {
                parameters.Add(p.Value);
                parts.Add($"strpos(lower({column}::text), lower(${n})) > 0");
                continue;
            }
            parameters.Add(Value(field, p.Value));
            var cast = field.Kind switch { FieldKind.Time => "::timestamptz", FieldKind.Number => "::numeric", _ => "::text" };
            parts.Add(p.Operator == "!=" ? $"{column} is distinct from ${n}{cast}" : $"{column} {p.Operator} ${n}{cast}");
        }
        return "(" + string.Join(query.Logic == "OR" ? " or " : " and ", parts) + ")";
    }

    /// <summary>ORDER BY for the sort field (sourcedId breaks ties, so pages never overlap), refusing an unknown field.</summary>
    public static string OrderBy(GradebookQuery query, IReadOnlyList<GradebookField> fields)
    {
        var direction = query.Descending ? "desc" : "asc";
        if (query.Sort == null) return $"r.\"sourcedId\" {direction}";
        var field = fields.FirstOrDefault(f => f.Name == query.Sort)
            ?? throw new GradebookRefusal(400, "invalid_sort_field", $"'{query.Sort}' is not a field of this collection; sortable: {string.Join(", ", fields.Select(f => f.Name))}.");
        return $"r.\"{field.Name}\" {direction} nulls last, r.\"sourcedId\"";
    }

    static object Value(GradebookField field, string value)
    {
        switch (field.Kind)
        {
            case FieldKind.Time:
                if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return t.UtcDateTime;
                throw new GradebookRefusal(400, "invalid_filter_field", $"{field.Name} takes an ISO 8601 date-time, not '{value}'.");
            case FieldKind.Date:
                if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                throw new GradebookRefusal(400, "invalid_filter_field", $"{field.Name} takes a date (YYYY-MM-DD), not '{value}'.");
            case FieldKind.Number:
                if (decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var m)) return m;
                throw new GradebookRefusal(400, "invalid_filter_field", $"{field.Name} takes a number, not '{value}'.");
            default:
                return value;
        }
    }
}
