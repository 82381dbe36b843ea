using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LmsCloud.Core.Learning.Grades;

/// <summary>
/// The JSON form of a <see cref="GradeDescription"/> and of a <see cref="GradeResult"/> (issue 13's contract; names
/// are fixed, fields may be added). Reading validates as it goes so a bad description fails with one line that names
/// the field (<c>assignments[2].pointsPossible: …</c>). <c>//</c> remarks and trailing commas are accepted so the
/// contract's own example runs as written.
/// </summary>
public static class GradeDescriptionJson
{
    static readonly JsonDocumentOptions ReadOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static readonly JsonSerializerOptions WriteOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(GradeResult result) => JsonSerializer.Serialize(result, WriteOptions);

    public static GradeDescription Read(string json)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json, ReadOptions); }
        catch (JsonException e) { throw Invalid($"not valid JSON: {e.Message.Split('\n')[0]}"); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Invalid("the description must be a JSON object");
            var weighting = Str(root, "weighting", "$") switch
            {
                "percent" => Weighting.Percent,
                "points" => Weighting.Points,
                var w => throw Invalid($"weighting: '{w}' is not percent or points"),
            };
            var late = Get(root, "latePolicy") is { ValueKind: JsonValueKind.Object } lp
                ? new LatePolicy(Num(lp, "deductionPercent", "latePolicy"), Enum<LateInterval>(lp, "interval", "latePolicy", "minute, hour, day or week"), OptNum(lp, "floorPercent", "latePolicy") ?? 0)
                : NullOrThrow<LatePolicy>(root, "latePolicy");
            var missing = Get(root, "missingPolicy") is { ValueKind: JsonValueKind.Object } mp
                ? new MissingPolicy(Num(mp, "deductionPercent", "missingPolicy"), OptNum(mp, "floorPercent", "missingPolicy") ?? 0)
                : NullOrThrow<MissingPolicy>(root, "missingPolicy");
            var scheme = Get(root, "scheme") is { ValueKind: JsonValueKind.Array } sc
                ? sc.EnumerateArray().Select((e, i) => SchemeEntry(e, $"scheme[{i}]")).ToList()
                : NullOrThrow<List<SchemeEntry>>(root, "scheme") ?? [.. GradeDescription.DefaultScheme];
            var now = Date(root, "now", "$") ?? throw Invalid("now: is required");
            var groups = Array(root, "groups").Select((g, i) => Group(g, $"groups[{i}]")).ToList();
            var assignments = Array(root, "assignments").Select((a, i) => Assignment(a, $"assignments[{i}]")).ToList();
            var submissions = Array(root, "submissions").Select((s, i) => Submission(s, $"submissions[{i}]")).ToList();
            var description = new GradeDescription(weighting, late, missing, scheme, now, groups, assignments, submissions,
                OptNum(root, "finalOverride", "$"));
            GradeDescriptionRules.Validate(description);
            return description;
        }
    }

    static GradeGroup Group(JsonElement e, string at) => new(
        Str(e, "id", at), OptStr(e, "name", at) ?? Str(e, "id", at), OptNum(e, "weight", at) ?? 0,
        Int(e, "dropLowest", at), Int(e, "dropHighest", at),
        Get(e, "neverDrop") is { ValueKind: JsonValueKind.Array } nd
            ? nd.EnumerateArray().Select((x, i) => x.ValueKind == JsonValueKind.String ? x.GetString()! : throw Invalid($"{at}.neverDrop[{i}]: must be an assignment id")).ToList()
            : NullOrThrow<List<string>>(e, "neverDrop", at) ?? []);

    static GradeAssignment Assignment(JsonElement e, string at) => new(
        Str(e, "id", at), Str(e, "group", at), Num(e, "pointsPossible", at), Date(e, "dueAt", at),
        Bool(e, "omitFromFinal", at, false), Bool(e, "posted", at, true),
        Get(e, "keep") is { ValueKind: JsonValueKind.String } ? Enum<KeepAttempt>(e, "keep", at, "highest, latest, average or first") : KeepAttempt.Highest,
        Get(e, "gradingType") is { ValueKind: JsonValueKind.String } ? Enum<GradingType>(e, "gradingType", at, "points, percent, letter, passFail or notGraded") : GradingType.Points,
        Bool(e, "expectsSubmission", at, true));

    static GradeSubmission Submission(JsonElement e, string at)
    {
        var attempts = Get(e, "attempts") is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().Select((x, i) => x.ValueKind == JsonValueKind.Number ? x.GetDecimal() : throw Invalid($"{at}.attempts[{i}]: must be a number")).ToList()
            : NullOrThrow<List<decimal>>(e, "attempts", at);
        SubmissionStatus? status = Get(e, "status") is { ValueKind: JsonValueKind.String }
            ? Enum<SubmissionStatus>(e, "status", at, "late, missing, none or null")
            : NullOrThrow<string>(e, "status", at) is null ? null : null;
        long? secondsLate = Get(e, "secondsLate") is { ValueKind: JsonValueKind.Number } sl
            ? sl.TryGetInt64(out var v) ? v : throw Invalid($"{at}.secondsLate: must be a whole number")
            : null;
        return new(Str(e, "assignment", at), OptNum(e, "score", at), attempts, Date(e, "submittedAt", at), Bool(e, "excused", at, false), status, secondsLate);
    }

    static SchemeEntry SchemeEntry(JsonElement e, string at) =>
        e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 2 && e[0].ValueKind == JsonValueKind.String && e[1].ValueKind == JsonValueKind.Number
            ? new(e[0].GetString()!, e[1].GetDecimal())
            : throw Invalid($"{at}: must be [\"letter\", minimum percent]");

    static JsonElement? Get(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v : null;

    static IEnumerable<JsonElement> Array(JsonElement root, string name) => Get(root, name) switch
    {
        { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().ToList(),
        null or { ValueKind: JsonValueKind.Null } => [],
        _ => throw Invalid($"{name}: must be a list"),
    };

    static T? NullOrThrow<T>(JsonElement e, string name, string at = "$") where T : class =>
        Get(e, name) is null or { ValueKind: JsonValueKind.Null } ? null : throw Invalid($"{Path(at, name)}: has the wrong type");

    static string Str(JsonElement e, string name, string at) =>
        OptStr(e, name, at) is { Length: > 0 } s ? s : throw Invalid($"{Path(at, name)}: is required");

    static string? OptStr(JsonElement e, string name, string at) => Get(e, name) switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        null or { ValueKind: JsonValueKind.Null } => null,
        _ => throw Invalid($"{Path(at, name)}: must be a string"),
    };

    static decimal Num(JsonElement e, string name, string at) => OptNum(e, name, at) ?? throw Invalid($"{Path(at, name)}: is required");

    static decimal? OptNum(JsonElement e, string name, string at) => Get(e, name) switch
    {
        { ValueKind: JsonValueKind.Number } n => n.TryGetDecimal(out var d) ? d : throw Invalid($"{Path(at, name)}: is out of range"),
        null or { ValueKind: JsonValueKind.Null } => null,
        _ => throw Invalid($"{Path(at, name)}: must be a number"),
    };

    static int Int(JsonElement e, string name, string at) => OptNum(e, name, at) switch
    {
        null => 0,
        { } d when d == Math.Truncate(d) && d >= 0 && d <= int.MaxValue => (int)d,
        _ => throw Invalid($"{Path(at, name)}: must be a whole number ≥ 0"),
    };

    static bool Bool(JsonElement e, string name, string at, bool fallback) => Get(e, name) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        null or { ValueKind: JsonValueKind.Null } => fallback,
        _ => throw Invalid($"{Path(at, name)}: must be true or false"),
    };

    static DateTimeOffset? Date(JsonElement e, string name, string at) =>
        OptStr(e, name, at) is not { } text ? null
        : text.Contains('T') && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d
        : throw Invalid($"{Path(at, name)}: '{text}' is not an ISO 8601 date-time (e.g. 2026-10-20T12:00:00Z)");

    /// <summary>An enum by its camelCase name, exactly as docs/grade-engine.md spells it.</summary>
    static T Enum<T>(JsonElement e, string name, string at, string allowed) where T : struct, Enum
    {
        var text = OptStr(e, name, at);
        foreach (var value in System.Enum.GetValues<T>())
            if (JsonNamingPolicy.CamelCase.ConvertName(value.ToString()) == text) return value;
        throw Invalid($"{Path(at, name)}: '{text}' is not {allowed}");
    }

    static string Path(string at, string name) => at == "$" ? name : $"{at}.{name}";

    static InvalidGradeDescriptionException Invalid(string message) => new(message);
}

/// <summary>What makes a description gradeable, checked whether it came from JSON or was built in code.</summary>
public static class GradeDescriptionRules
{
    public static void Validate(GradeDescription d)
    {
        var groups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in d.Groups)
        {
            if (!groups.Add(g.Id)) throw Invalid($"groups: duplicate id '{g.Id}'");
            if (g.Weight < 0) throw Invalid($"group {g.Id}: weight must not be negative");
            if (g.DropLowest < 0 || g.DropHighest < 0) throw Invalid($"group {g.Id}: dropLowest and dropHighest must not be negative");
        }
        var assignments = new Dictionary<string, GradeAssignment>(StringComparer.Ordinal);
        foreach (var a in d.Assignments)
        {
            if (!assignments.TryAdd(a.Id, a)) throw Invalid($"assignments: duplicate id '{a.Id}'");
            if (!groups.Contains(a.Group)) throw Invalid($"assignment {a.Id}: unknown group '{a.Group}'");
            if (a.PointsPossible < 0) throw Invalid($"assignment {a.Id}: pointsPossible must not be negative");
        }
        foreach (var g in d.Groups)
            foreach (var id in g.NeverDrop)
                if (!assignments.TryGetValue(id, out var a) || a.Group != g.Id)
                    throw Invalid($"group {g.Id}: neverDrop names '{id}', which is not an assignment of this group");
        var submitted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in d.Submissions)
        {
            if (!assignments.ContainsKey(s.Assignment)) throw Invalid($"submission: unknown assignment '{s.Assignment}'");
            if (!submitted.Add(s.Assignment)) throw Invalid($"submissions: two for assignment '{s.Assignment}'");
            if (s.Score != null && s.Attempts != null) throw Invalid($"submission {s.Assignment}: give score or attempts, not both");
            if (s.Score < 0 || s.Attempts?.Any(x => x < 0) == true) throw Invalid($"submission {s.Assignment}: scores must not be negative");
        }
        if (d.LatePolicy is { } lp && (lp.DeductionPercent < 0 || lp.FloorPercent < 0))
            throw Invalid("latePolicy: deductionPercent and floorPercent must not be negative");
        if (d.MissingPolicy is { } mp && (mp.DeductionPercent < 0 || mp.DeductionPercent > 100 || mp.FloorPercent < 0 || mp.FloorPercent > 100))
            throw Invalid("missingPolicy: deductionPercent and floorPercent must be between 0 and 100");
        if (d.Scheme.Select(e => e.Letter).Distinct(StringComparer.Ordinal).Count() != d.Scheme.Count)
            throw Invalid("scheme: a letter appears twice");
    }

    static InvalidGradeDescriptionException Invalid(string message) => new(message);
}
