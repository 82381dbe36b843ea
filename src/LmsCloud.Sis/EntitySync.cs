namespace LmsCloud.Sis;

/// <summary>A reference from a staged column to another entity's sourcedId (resolved to our id).</summary>
internal sealed record Ref(string StageColumn, string Header, string Entity);

/// <summary>
/// How one staged OneRoster file becomes rows of one roster table. <see cref="Values"/> maps each target column to a
/// SQL expression over the staged row <c>s</c> and its resolved references (<c>ref_x.id</c>).
/// </summary>
internal sealed record EntitySync(
    FileSpec Spec,
    string Table,
    (string Column, string Expression)[] Values,
    Ref[] Refs,
    string KeyColumn = "id",
    string? MappedBy = null) // demographics: keyed by the user's mapping, not a mapping of their own
{
    public string Entity => Spec.Entity;
    public string Resolved => $"resolved_{Entity}";
    public string Diff => $"diff_{Entity}";

    public static readonly EntitySync Orgs = new(RosterFiles.Orgs, "orgs",
        [("name", "s.name"), ("type", "s.type"), ("identifier", "s.identifier"), ("parent_id", "ref_parent_sid.id")],
        [new("parent_sid", "parentSourcedId", "orgs")]);

    public static readonly EntitySync Sessions = new(RosterFiles.AcademicSessions, "academic_sessions",
        [("title", "s.title"), ("type", "s.type"), ("start_date", "s.start_date"), ("end_date", "s.end_date"),
         ("parent_id", "ref_parent_sid.id"), ("school_year", "s.school_year")],
        [new("parent_sid", "parentSourcedId", "academicSessions")]);

    public static readonly EntitySync Courses = new(RosterFiles.Courses, "courses",
        [("title", "s.title"), ("course_code", "s.course_code"), ("grades", "s.grades"), ("org_id", "ref_org_sid.id"),
         ("school_year_id", "ref_school_year_sid.id"), ("subjects", "s.subjects"), ("subject_codes", "s.subject_codes")],
        [new("org_sid", "orgSourcedId", "orgs"), new("school_year_sid", "schoolYearSourcedId", "academicSessions")]);

    public static readonly EntitySync Classes = new(RosterFiles.Classes, "classes",
        [("title", "s.title"), ("class_code", "s.class_code"), ("class_type", "s.class_type"), ("location", "s.location"),
         ("course_id", "ref_course_sid.id"), ("school_id", "ref_school_sid.id"), ("grades", "s.grades"), ("subjects", "s.subjects"),
         ("subject_codes", "s.subject_codes"), ("periods", "s.periods"), ("term_ids", "s.term_ids")],
        [new("course_sid", "courseSourcedId", "courses"), new("school_sid", "schoolSourcedId", "orgs")]);

    /// <summary>
    /// People: the same rows that sign in. Display name follows the SIS unless edited locally (see policy). enabledUser is
    /// null only when the header has none (OneRoster 1.0): enabled.
    /// </summary>
    public static EntitySync Users(FileSpec spec) => new(spec, "users",
        [("user_name", "s.username"), ("normalized_user_name", "upper(s.username)"), ("email", "s.email"),
         ("normalized_email", "s.normalized_email"), ("display_name", "s.display_name"), ("given_name", "s.given_name"),
         ("family_name", "s.family_name"), ("middle_name", "s.middle_name"), ("identifier", "s.identifier"),
         ("enabled_user", "coalesce(s.enabled_user, true)"), ("grades", "s.grades"), ("phone", "s.phone"), ("sms", "s.sms")],
        []);

    public static readonly EntitySync Enrollments = new(RosterFiles.Enrollments, "enrollments",
        [("class_id", "ref_class_sid.id"), ("user_id", "ref_user_sid.id"), ("school_id", "ref_school_sid.id"), ("role", "s.role"),
         ("is_primary", "coalesce(s.is_primary, false)"), ("begin_date", "s.begin_date"), ("end_date", "s.end_date")],
        [new("class_sid", "classSourcedId", "classes"), new("user_sid", "userSourcedId", "users"),
         new("school_sid", "schoolSourcedId", "orgs")]);

    public static readonly EntitySync Demographics = new(RosterFiles.Demographics, "demographics",
        [("birth_date", "s.birth_date"), ("sex", "s.sex"), ("flags", "s.flags")],
        [], KeyColumn: "user_id", MappedBy: "users");
}
