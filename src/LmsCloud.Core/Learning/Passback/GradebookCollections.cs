namespace LmsCloud.Core.Learning.Passback;

/// <summary>
/// The four OneRoster 1.2 Gradebook collections as SQL over our tables (docs/passback.md, "Mapping"). Each select yields
/// one row per object with columns named as the OneRoster fields (references dotted: <c>class.sourcedId</c>), so a
/// filter or sort names a column directly, plus internal columns starting with <c>_</c> that never leave the server.
/// Parameters: $1 the district, $2 one shell or null, $3 one class or null.
/// </summary>
/// <remarks>
/// sourcedIds: a category is its assignment group's id; a line item is one (assignment, roster class) pair, a result one
/// (assignment, class, student), a score scale one class: each an md5-derived uuid of a fixed prefix and our ids, so it
/// is stable for ever, computable in SQL and needs no table. Classes, schools, courses and students are named by their
/// SIS sourcedId (external_ids), or by our id when they have none (made by hand).
/// </remarks>
public static class GradebookCollections
{
    /// <summary>
    /// The roster classes the shells serve (active classes only), with the SIS's sourcedIds: materialized, so each
    /// class's are looked up once, not once per line item or result of the class.
    /// </summary>
    const string Served = """
        served as materialized (
          select sc.shell_id, c.id as class_id,
                 coalesce((select min(x.external_id) from external_ids x
                           where x.tenant_id = c.tenant_id and x.internal_id = c.id and x.entity_type = 'classes'), c.id::text) as class_sid,
                 coalesce((select min(x.external_id) from external_ids x
                           where x.tenant_id = c.tenant_id and x.internal_id = c.school_id and x.entity_type = 'orgs'), c.school_id::text) as school_sid,
                 coalesce((select min(x.external_id) from external_ids x
                           where x.tenant_id = c.tenant_id and x.internal_id = c.course_id and x.entity_type = 'courses'), c.course_id::text) as course_sid
          from course_shell_classes sc
          join classes c on c.tenant_id = sc.tenant_id and c.id = sc.class_id
          where sc.tenant_id = $1 and c.status = 'active' and ($2::uuid is null or sc.shell_id = $2) and ($3::uuid is null or c.id = $3))
        """;

    /// <summary>What a line item is made of: published, passback on, and counting in the grade (not graded / omitted never reach the SIS).</summary>
    const string SentAssignment = "a.published and a.passback and a.grading_type <> 'not_graded' and not a.omit_from_final";

    /// <summary>What has results: a line item's assignment whose grades are posted (students and the SIS see no unposted grade).</summary>
    const string PostedAssignment = $"{SentAssignment} and (not a.post_manually or a.grades_posted_at is not null)";

    public const string ServedClasses = $"""
        with {Served}
        select class_id as "_class", class_sid as "sourcedId", shell_id as "_shell" from served
        """;

    public static readonly Collection Categories = new("categories", "category", $"""
        with {Served}
        select g.id::text as "sourcedId", 'active' as "status", g.updated_at as "dateLastModified", g.name as "title", g.weight as "weight",
               g.shell_id as "_shell"
        from assignment_groups g
        where g.tenant_id = $1 and g.shell_id in (select shell_id from served)
        """,
        [new("sourcedId", FieldKind.Text), new("status", FieldKind.Text), new("dateLastModified", FieldKind.Time), new("title", FieldKind.Text),
         new("weight", FieldKind.Number)],
        ["sourcedId", "status", "dateLastModified", "title", "weight"]);

    public static readonly Collection LineItems = new("lineItems", "lineItem", $"""
        with {Served}
        select md5('lineItem:' || a.id || ':' || s.class_id)::uuid::text as "sourcedId", 'active' as "status",
               greatest(a.updated_at, o.updated_at) as "dateLastModified",
               a.title as "title", nullif(a.description, '') as "description",
               coalesce(a.unlock_at, a.created_at) as "assignDate",
               case when o.id is null then a.due_at else o.due_at end as "dueDate",
               s.class_sid as "class.sourcedId", s.school_sid as "school.sourcedId", a.group_id::text as "category.sourcedId",
               0::numeric as "resultValueMin", a.points_possible as "resultValueMax",
               s.class_id as "_class", a.id as "_assignment", a.shell_id as "_shell"
        from assignments a
        join served s on s.shell_id = a.shell_id
        left join assignment_overrides o on o.tenant_id = a.tenant_id and o.assignment_id = a.id and o.class_id = s.class_id
        where a.tenant_id = $1 and {SentAssignment}
        """,
        [new("sourcedId", FieldKind.Text), new("status", FieldKind.Text), new("dateLastModified", FieldKind.Time), new("title", FieldKind.Text),
         new("description", FieldKind.Text), new("assignDate", FieldKind.Time), new("dueDate", FieldKind.Time),
         new("class.sourcedId", FieldKind.Text), new("school.sourcedId", FieldKind.Text), new("category.sourcedId", FieldKind.Text),
         new("resultValueMin", FieldKind.Number), new("resultValueMax", FieldKind.Number)],
        ["sourcedId", "status", "dateLastModified", "title", "description", "assignDate", "dueDate", "class", "school", "category",
         "resultValueMin", "resultValueMax"]);

    /// <summary>
    /// One per (line item, student actively enrolled as a student in its class), for posted assignments only: students
    /// see no unposted grade, and neither does the SIS (whose gradebook parents read). The score is the engine's, after
    /// late/missing deductions, taken from the stored explanation (student_scores.result, student view), so it matches
    /// every page; the entered score stands in only while no explanation was ever stored for the student. The select
    /// here says which results exist and names them; what they hold comes from <see cref="ResultContent"/>.
    /// </summary>
    public static readonly Collection Results = new("results", "result", ResultsSql(""),
        [new("sourcedId", FieldKind.Text), new("status", FieldKind.Text), new("dateLastModified", FieldKind.Time),
         new("lineItem.sourcedId", FieldKind.Text), new("student.sourcedId", FieldKind.Text), new("class.sourcedId", FieldKind.Text),
         new("scoreStatus", FieldKind.Text), new("score", FieldKind.Number), new("textScore", FieldKind.Text), new("scoreDate", FieldKind.Date),
         new("comment", FieldKind.Text), new("inProgress", FieldKind.Text), new("incomplete", FieldKind.Text), new("late", FieldKind.Text),
         new("missing", FieldKind.Text)],
        ["sourcedId", "status", "dateLastModified", "lineItem", "student", "class", "scoreStatus", "score", "textScore", "scoreDate", "comment",
         "inProgress", "incomplete", "late", "missing"],
        PageColumns: ResultContent,
        PageFields: ["dateLastModified", "student.sourcedId", "scoreStatus", "score", "textScore", "scoreDate", "late", "missing"],
        CountsByShell: ResultsByShell,
        ChangedSince: ResultsSql("""
            and (a.updated_at >= {since}
                 -- IN, not a correlated EXISTS: each set is read once and hashed, not looked up per row
                 or (a.id, e.user_id) in (select sub.assignment_id, sub.student_id from submissions sub
                                          where sub.tenant_id = $1 and sub.updated_at >= {since})
                 or (a.shell_id, e.user_id) in (select ss.shell_id, ss.student_id from student_scores ss
                                                where ss.tenant_id = $1 and ss.computed_at >= {since}))
            """));

    /// <summary>
    /// The results select, with <paramref name="narrowing"/> added to its WHERE: a condition there is checked on the
    /// joined rows before their sourcedIds are computed (a filter around the select would name all of them first).
    /// </summary>
    static string ResultsSql(string narrowing) => $"""
        with {Served}
        select md5('result:' || a.id || ':' || s.class_id || ':' || e.user_id)::uuid::text as "sourcedId", 'active' as "status",
               md5('lineItem:' || a.id || ':' || s.class_id)::uuid::text as "lineItem.sourcedId",
               s.class_sid as "class.sourcedId",
               null::text as "comment",
               'false' as "inProgress", 'false' as "incomplete",
               a.updated_at as "_assignmentUpdated", a.grading_type as "_gradingType",
               s.class_id as "_class", a.id as "_assignment", e.user_id as "_student", a.shell_id as "_shell"
        from assignments a
        join served s on s.shell_id = a.shell_id
        join enrollments e on e.tenant_id = a.tenant_id and e.class_id = s.class_id and e.role = 'student' and e.status = 'active'
        where a.tenant_id = $1 and {PostedAssignment} {narrowing}
        """;

    /// <summary>
    /// How many results each shell has, without naming them: its line items' assignments × its classes' active
    /// students, the same rows as <see cref="Results"/> (a test holds the two together). An unfiltered district-wide
    /// page reads these counts and then only the shells the page falls in.
    /// </summary>
    const string ResultsByShell = $"""
        with students as (
          select sc.shell_id, count(*) as n
          from course_shell_classes sc
          join classes c on c.tenant_id = sc.tenant_id and c.id = sc.class_id
          join enrollments e on e.tenant_id = sc.tenant_id and e.class_id = sc.class_id and e.role = 'student' and e.status = 'active'
          where sc.tenant_id = $1 and c.status = 'active'
          group by sc.shell_id),
        items as (
          select a.shell_id, count(*) as n from assignments a
          where a.tenant_id = $1 and {PostedAssignment}
          group by a.shell_id)
        select st.shell_id, st.n * i.n as n from students st join items i on i.shell_id = st.shell_id order by st.shell_id
        """;

    /// <summary>
    /// What a result holds: the student's sourcedId, the submission's state and the score and late/missing flags from
    /// the student's stored explanation (a look into a few KB of jsonb). It wraps a page of rows (<c>{rows}</c>), so
    /// an unfiltered count or page of results costs what naming the rows costs: reading the content for every result
    /// of a district made one page of district-wide results take 1.5 minutes and its count 1.8 (7.1 million results).
    /// Each is a lateral lookup by key (<c>limit 1</c> keeps the planner from turning it into a join): a page or a delta
    /// pull's few thousand rows are looked up one by one, whatever the planner guesses their number to be, rather than
    /// hashing every submission of the district.
    /// </summary>
    const string ResultContent = """
        select r.*,
               greatest(r."_assignmentUpdated", sub.updated_at, ss.computed_at) as "dateLastModified",
               coalesce((select min(x.external_id) from external_ids x
                         where x.tenant_id = $1 and x.internal_id = r."_student" and x.entity_type = 'users'), r."_student"::text) as "student.sourcedId",
               case when sub.excused then 'exempt'
                    when sub.score is not null then 'fully graded'
                    when sub.submitted_at is not null then 'submitted'
                    else 'not submitted' end as "scoreStatus",
               case when ex.item is null then sub.score else (ex.item->>'score')::numeric end as "score",
               case when r."_gradingType" in ('letter', 'pass_fail', 'percent') then sub.entered_grade end as "textScore",
               to_char(coalesce(sub.graded_at, sub.submitted_at, sub.updated_at, r."_assignmentUpdated") at time zone 'UTC', 'YYYY-MM-DD') as "scoreDate",
               case when coalesce(ex.item->>'status', sub.status_override) = 'late' then 'true' else 'false' end as "late",
               case when coalesce(ex.item->>'status', sub.status_override) = 'missing' then 'true' else 'false' end as "missing"
        from ({rows}) r
        left join lateral (
          select sub.updated_at, sub.excused, sub.score, sub.submitted_at, sub.entered_grade, sub.graded_at, sub.status_override
          from submissions sub where sub.tenant_id = $1 and sub.assignment_id = r."_assignment" and sub.student_id = r."_student" limit 1) sub on true
        left join lateral (
          select ss.computed_at, ss.result
          from student_scores ss where ss.tenant_id = $1 and ss.shell_id = r."_shell" and ss.student_id = r."_student" limit 1) ss on true
        left join lateral (
          select i as item from jsonb_array_elements(ss.result->'explanation'->'assignments') i
          where i->>'assignment' = r."_assignment"::text limit 1) ex on true
        """;

    /// <summary>One letter scale per class: the grading scheme of its shell (the district default ladder until a shell overrides it).</summary>
    public static readonly Collection ScoreScales = new("scoreScales", "scoreScale", $"""
        with {Served}
        select md5('scoreScale:' || s.class_id)::uuid::text as "sourcedId", 'active' as "status", sh.updated_at as "dateLastModified",
               'Letter grades' as "title", 'letter' as "type",
               s.class_sid as "class.sourcedId", s.course_sid as "course.sourcedId",
               s.class_id as "_class", s.shell_id as "_shell"
        from served s
        join course_shells sh on sh.tenant_id = $1 and sh.id = s.shell_id
        """,
        [new("sourcedId", FieldKind.Text), new("status", FieldKind.Text), new("dateLastModified", FieldKind.Time), new("title", FieldKind.Text),
         new("type", FieldKind.Text), new("class.sourcedId", FieldKind.Text), new("course.sourcedId", FieldKind.Text)],
        ["sourcedId", "status", "dateLastModified", "title", "type", "class", "course", "scoreScaleValue"]);
}

/// <param name="Plural">The collection's name in paths and in the list envelope (<c>{"lineItems": [...]}</c>).</param>
/// <param name="Singular">The single object's envelope (<c>{"lineItem": {...}}</c>).</param>
/// <param name="Keys">The top-level keys of an object, in order: what <c>fields=</c> may select.</param>
/// <param name="PageColumns">SQL adding costly columns to the rows in <c>{rows}</c>: applied to the page served, and to the
/// whole collection only when a filter or sort names one of <paramref name="PageFields"/>.</param>
/// <param name="CountsByShell">SQL giving (shell_id, n) in shell order: how many objects each shell has, for paging an
/// unfiltered district-wide collection shell by shell.</param>
/// <param name="ChangedSince"><c>Sql</c> narrowed to the objects whose dateLastModified may be at or after <c>{since}</c>
/// (every one that is, maybe a few more): a delta pull (<c>dateLastModified&gt;'…'</c>) reads the page columns of
/// those only.</param>
public sealed record Collection(string Plural, string Singular, string Sql, IReadOnlyList<GradebookField> Fields, IReadOnlyList<string> Keys,
    string? PageColumns = null, IReadOnlyList<string>? PageFields = null, string? CountsByShell = null, string? ChangedSince = null)
{
    /// <summary>Every column of every row: the collection with its page columns.</summary>
    public string Complete => PageColumns?.Replace("{rows}", Sql) ?? Sql;

    /// <summary>The page columns added to the rows <paramref name="rows"/> selects (a query over <c>Sql</c>).</summary>
    public string WithPageColumns(string rows) => PageColumns?.Replace("{rows}", rows) ?? rows;
}
