using LmsCloud.Core.Rostering;
using NpgsqlTypes;

namespace LmsCloud.Sis;

/// <summary>How a column's text becomes a staged value.</summary>
internal enum Kind { Text, Enum, Date, Bool, List, Int, Json }

/// <summary>
/// A OneRoster column: its header name, how it is checked, and the staging column it lands in. <paramref name="Aliases"/>:
/// the OneRoster 1.0 names of the same column, bound when the header lacks <paramref name="Name"/>. <paramref name="IfAbsent"/>:
/// a required column OneRoster 1.0 did not have; the header may lack it, and this says what is used instead.
/// </summary>
internal sealed record Column(string Name, string Stage, Kind Kind, bool Required = false, string[]? Values = null, string[]? Aliases = null,
    string? IfAbsent = null)
{
    public string SqlType => Kind switch
    {
        Kind.Date => "date", Kind.Bool => "boolean", Kind.List => "text[]", Kind.Int => "integer", Kind.Json => "jsonb", _ => "text",
    };

    public NpgsqlDbType DbType => Kind switch
    {
        Kind.Date => NpgsqlDbType.Date, Kind.Bool => NpgsqlDbType.Boolean, Kind.List => NpgsqlDbType.Array | NpgsqlDbType.Text,
        Kind.Int => NpgsqlDbType.Integer, Kind.Json => NpgsqlDbType.Jsonb, _ => NpgsqlDbType.Text,
    };
}

/// <summary>One OneRoster file type: its columns and its staging table (<c>line, sid, status, …</c>); <paramref name="SourcedIdAliases"/>: 1.0 names of its sourcedId.</summary>
internal sealed record FileSpec(string FileName, string Entity, Column[] Columns, string[]? SourcedIdAliases = null)
{
    public string StageTable => $"stage_{Entity}";
    public string Label => Path.GetFileNameWithoutExtension(FileName);
}

/// <summary>
/// The columns we read, per OneRoster 1.1/1.2 CSV binding, with the 1.0 names of the same columns as aliases (a 1.0
/// package, or 1.0 files under a newer manifest). Other columns are ignored (metadata.* silently).
/// </summary>
internal static class RosterFiles
{
    public static readonly string[] OrgTypes = ["district", "school", "department", "local", "state", "national"];
    public static readonly string[] SessionTypes = ["schoolYear", "term", "semester", "gradingPeriod"];
    public static readonly string[] ClassTypes = ["homeroom", "scheduled"];
    public static readonly string[] RoleTypes = ["primary", "secondary"];
    public static readonly string[] Sexes = ["male", "female", "other", "unspecified"];

    public static readonly FileSpec Orgs = new("orgs.csv", "orgs",
    [
        new("name", "name", Kind.Text, Required: true),
        new("type", "type", Kind.Enum, Required: true, OrgTypes),
        new("identifier", "identifier", Kind.Text),
        new("parentSourcedId", "parent_sid", Kind.Text),
    ]);

    public static readonly FileSpec AcademicSessions = new("academicSessions.csv", "academicSessions",
    [
        new("title", "title", Kind.Text, Required: true),
        new("type", "type", Kind.Enum, Required: true, SessionTypes),
        new("startDate", "start_date", Kind.Date, Required: true),
        new("endDate", "end_date", Kind.Date, Required: true),
        new("parentSourcedId", "parent_sid", Kind.Text),
        new("schoolYear", "school_year", Kind.Int, Required: true,
            IfAbsent: "the year in which the session's school year ends (the endDate of its top parent session in the package, else its own)"),
    ]);

    public static readonly FileSpec Courses = new("courses.csv", "courses",
    [
        new("schoolYearSourcedId", "school_year_sid", Kind.Text, Aliases: ["schoolYearId"]),
        new("title", "title", Kind.Text, Required: true),
        new("courseCode", "course_code", Kind.Text),
        new("grades", "grades", Kind.List, Aliases: ["grade"]),
        new("orgSourcedId", "org_sid", Kind.Text, Required: true),
        new("subjects", "subjects", Kind.List),
        new("subjectCodes", "subject_codes", Kind.List),
    ]);

    public static readonly FileSpec Classes = new("classes.csv", "classes",
    [
        new("title", "title", Kind.Text, Required: true),
        new("grades", "grades", Kind.List, Aliases: ["grade"]),
        new("courseSourcedId", "course_sid", Kind.Text, Required: true),
        new("classCode", "class_code", Kind.Text),
        new("classType", "class_type", Kind.Enum, Required: true, ClassTypes),
        new("location", "location", Kind.Text),
        new("schoolSourcedId", "school_sid", Kind.Text, Required: true),
        new("termSourcedIds", "term_sids", Kind.List, Required: true, Aliases: ["termSourcedId"]),
        new("subjects", "subjects", Kind.List),
        new("subjectCodes", "subject_codes", Kind.List),
        new("periods", "periods", Kind.List),
    ]);

    static readonly Column[] UserCommon =
    [
        new("enabledUser", "enabled_user", Kind.Bool, Required: true, IfAbsent: "true"),
        new("username", "username", Kind.Text, Required: true),
        new("givenName", "given_name", Kind.Text, Required: true),
        new("familyName", "family_name", Kind.Text, Required: true),
        new("middleName", "middle_name", Kind.Text),
        new("identifier", "identifier", Kind.Text),
        new("email", "email", Kind.Text),
        new("sms", "sms", Kind.Text),
        new("phone", "phone", Kind.Text),
        new("agentSourcedIds", "agent_sids", Kind.List, Aliases: ["agents", "agentSourcedId"]),
        new("grades", "grades", Kind.List),
    ];

    /// <summary>1.0/1.1 users carry their role and orgs; 1.2 moves both to roles.csv.</summary>
    public static readonly FileSpec Users11 = new("users.csv", "users",
    [
        .. UserCommon,
        new("role", "role", Kind.Enum, Required: true, RosterRoles.OfPeople),
        new("orgSourcedIds", "org_sids", Kind.List, Required: true, Aliases: ["orgSourcedId"]),
    ]);

    public static readonly FileSpec Users12 = new("users.csv", "users",
    [
        .. UserCommon,
        new("preferredGivenName", "preferred_given_name", Kind.Text),
        new("preferredFamilyName", "preferred_family_name", Kind.Text),
    ]);

    public static readonly FileSpec Roles12 = new("roles.csv", "roles",
    [
        new("userSourcedId", "user_sid", Kind.Text, Required: true),
        new("roleType", "role_type", Kind.Enum, Required: true, RoleTypes),
        new("role", "role", Kind.Enum, Required: true, RosterRoles.OfPeople),
        new("beginDate", "begin_date", Kind.Date),
        new("endDate", "end_date", Kind.Date),
        new("orgSourcedId", "org_sid", Kind.Text, Required: true),
    ]);

    public static readonly FileSpec Enrollments = new("enrollments.csv", "enrollments",
    [
        new("classSourcedId", "class_sid", Kind.Text, Required: true),
        new("schoolSourcedId", "school_sid", Kind.Text, Required: true),
        new("userSourcedId", "user_sid", Kind.Text, Required: true),
        new("role", "role", Kind.Enum, Required: true, RosterRoles.InClasses),
        new("primary", "is_primary", Kind.Bool, Aliases: ["primaryFlag"]),
        new("beginDate", "begin_date", Kind.Date),
        new("endDate", "end_date", Kind.Date),
    ]);

    /// <summary>
    /// Demographics: birth date and sex as columns; every other column (race flags, birthplace) kept as JSON. 1.0 keys
    /// the row by <c>userSourcedId</c> and spells <c>birthdate</c> (header names bind ignoring case).
    /// </summary>
    public static readonly FileSpec Demographics = new("demographics.csv", "demographics",
    [
        new("birthDate", "birth_date", Kind.Date),
        new("sex", "sex", Kind.Enum, Values: Sexes),
        new("*", "flags", Kind.Json),
    ], SourcedIdAliases: ["userSourcedId"]);

    /// <summary>The files of a version, in dependency order (what a file refers to comes before it).</summary>
    public static FileSpec[] For(OneRosterVersion version) => version is OneRosterVersion.V1_2_0 or OneRosterVersion.V1_2_1
        ? [Orgs, AcademicSessions, Courses, Classes, Users12, Roles12, Enrollments, Demographics]
        : [Orgs, AcademicSessions, Courses, Classes, Users11, Enrollments, Demographics];

    /// <summary>Standard OneRoster columns we do not store; they are skipped without a warning.</summary>
    public static readonly HashSet<string> IgnoredColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        "userIds", "password", "userMasterIdentifier", "resourceSourcedIds", "preferredMiddleName", "primaryOrgSourcedId",
        "pronouns", "userProfileSourcedId", "preferredGivenName", "preferredFamilyName",
        "userId", // 1.0 spelling of userIds
    };
}
