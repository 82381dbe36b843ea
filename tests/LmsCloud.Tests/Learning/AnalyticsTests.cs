using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Learning.Analytics;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Learning;

/// <summary>
/// Class progress, course and district analytics over the API in an imported district (Algebra I P1: nw-s-001..004,
/// P3: nw-s-005..008, both taught by nw-t-001 at nw-hs), the role boundaries, and the plans of the analytics statements.
/// </summary>
public sealed class AnalyticsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    sealed record Course(ShellTestDistrict District, HttpClient Teacher, Guid Shell, Guid Lesson, Guid Worksheet, Guid Optional);

    /// <summary>A published P1 shell: lesson (must_view), worksheet (mark_done), and an optional link, in that order.</summary>
    async Task<Course> CourseAsync(bool mergeP3 = false)
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        if (mergeP3) await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/merge", new { sourceShellId = await d.ShellOfAsync("nw-cls-alg1-p3") });
        var (module, lesson) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell);
        async Task<Guid> ItemAsync(string title, string? requirement)
        {
            var item = await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/modules/{module}/items",
                new { kind = "link", title, url = "https://example.test/" + title, requirement });
            var id = item.GetProperty("id").GetGuid();
            await ShellTestDistrict.PostAsync(teacher, $"/api/shells/{shell}/items/{id}/publish", new { published = true });
            return id;
        }
        var worksheet = await ItemAsync("Worksheet", "mark_done");
        var optional = await ItemAsync("Extra", null);
        return new Course(d, teacher, shell, lesson, worksheet, optional);
    }

    static async Task Ok(HttpResponseMessage response) =>
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");

    async Task ViewAsync(Course c, string student, params Guid[] items)
    {
        var client = await c.District.AsAsync(student, Roles.Student);
        foreach (var item in items) await Ok(await client.PostAsync($"/api/shells/{c.Shell}/items/{item}/view", null));
    }

    async Task DoneAsync(Course c, string student, Guid item) =>
        await Ok(await (await c.District.AsAsync(student, Roles.Student)).PostAsync($"/api/shells/{c.Shell}/items/{item}/done", null));

    static List<JsonElement> Students(JsonElement progress) => progress.GetProperty("students").EnumerateArray().ToList();

    [Fact]
    public async Task Class_progress_lists_every_enrolled_student_by_required_item_and_filters_and_sorts()
    {
        var c = await CourseAsync(mergeP3: true);
        var d = c.District;
        await ViewAsync(c, "nw-s-001", c.Lesson);
        await ViewAsync(c, "nw-s-005", c.Lesson, c.Worksheet);
        await DoneAsync(c, "nw-s-005", c.Worksheet);
        var s005 = await d.IdAsync("users", "nw-s-005");
        await d.ExecAsync("update item_progress set time_spent_s = 95 where student_id = $1 and module_item_id = $2", s005, c.Lesson);

        var all = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/class-progress");
        Assert.Equal(2, all.GetProperty("classes").GetArrayLength());
        // required items only, in course order; the optional link is not a column
        Assert.Equal([c.Lesson, c.Worksheet], all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("moduleItemId").GetGuid()));
        var students = Students(all);
        Assert.Equal(8, students.Count); // both sections, with or without progress
        JsonElement Of(List<JsonElement> list, Guid id) => list.Single(s => s.GetProperty("studentId").GetGuid() == id);
        var untouched = Of(students, await d.IdAsync("users", "nw-s-002"));
        Assert.Equal(0m, untouched.GetProperty("percent").GetDecimal());
        Assert.All(untouched.GetProperty("items").EnumerateArray(), i =>
        {
            Assert.False(i.GetProperty("completed").GetBoolean());
            Assert.Equal(JsonValueKind.Null, i.GetProperty("firstViewedAt").ValueKind);
        });
        Assert.Equal(JsonValueKind.Null, untouched.GetProperty("lastActivityAt").ValueKind);
        var one = Of(students, await d.IdAsync("users", "nw-s-001"));
        Assert.Equal(50m, one.GetProperty("percent").GetDecimal());
        var lessonCell = one.GetProperty("items")[0];
        Assert.True(lessonCell.GetProperty("completed").GetBoolean());
        Assert.NotEqual(JsonValueKind.Null, lessonCell.GetProperty("firstViewedAt").ValueKind);
        var five = Of(students, s005);
        Assert.Equal(100m, five.GetProperty("percent").GetDecimal());
        Assert.Equal(95, five.GetProperty("timeSpentSeconds").GetInt64());

        // one class of the merged shell
        var p3 = await d.IdAsync("classes", "nw-cls-alg1-p3");
        var section = Students(await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/class-progress?classId={p3}"));
        Assert.Equal(4, section.Count);
        Assert.All(section, s => Assert.Equal([p3], s.GetProperty("classIds").EnumerateArray().Select(x => x.GetGuid())));

        // sorted by percent, highest first: s-005 (100), s-001 (50), then the rest
        var byPercent = Students(await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/class-progress?sort=percent&desc=true"));
        Assert.Equal([s005, await d.IdAsync("users", "nw-s-001")], byPercent.Take(2).Select(s => s.GetProperty("studentId").GetGuid()));
        var byActivity = Students(await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/class-progress?sort=lastActivity"));
        Assert.Equal(JsonValueKind.Null, byActivity[^1].GetProperty("lastActivityAt").ValueKind); // never active sorts last

        var badSort = await c.Teacher.GetAsync($"/api/shells/{c.Shell}/class-progress?sort=shoeSize");
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);
        Assert.True((await badSort.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("sort", out _));
        var otherClass = await c.Teacher.GetAsync($"/api/shells/{c.Shell}/class-progress?classId={await d.IdAsync("classes", "nw-cls-eng1-p4")}");
        Assert.Equal(HttpStatusCode.BadRequest, otherClass.StatusCode);
    }

    [Fact]
    public async Task Course_analytics_counts_funnels_drop_off_median_time_and_who_never_started()
    {
        var c = await CourseAsync();
        var d = c.District;
        await ViewAsync(c, "nw-s-001", c.Lesson);
        await ViewAsync(c, "nw-s-002", c.Lesson, c.Worksheet);
        await DoneAsync(c, "nw-s-002", c.Worksheet);
        await d.ExecAsync("update item_progress set time_spent_s = case student_id when $1 then 60 else 120 end where module_item_id = $2",
            await d.IdAsync("users", "nw-s-001"), c.Lesson);

        var a = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/analytics");
        Assert.Equal(4, a.GetProperty("enrolled").GetInt32());
        Assert.Equal(2, a.GetProperty("started").GetInt32());
        Assert.Equal(2, a.GetProperty("neverStarted").GetInt32());
        // by family name: Kim (nw-s-003), Nguyen (nw-s-004)
        Assert.Equal([await d.IdAsync("users", "nw-s-003"), await d.IdAsync("users", "nw-s-004")],
            a.GetProperty("neverStartedStudents").EnumerateArray().Select(s => s.GetProperty("studentId").GetGuid()));
        Assert.Equal(1, a.GetProperty("completed").GetInt32());     // s-002 did both required items
        Assert.Equal(25m, a.GetProperty("completionRate").GetDecimal());
        Assert.Equal(25m, a.GetProperty("medianPercent").GetDecimal()); // 100, 50, 0, 0

        var items = a.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([c.Lesson, c.Worksheet, c.Optional], items.Select(i => i.GetProperty("moduleItemId").GetGuid()));
        Assert.Equal(2, items[0].GetProperty("started").GetInt32());
        Assert.Equal(2, items[0].GetProperty("completed").GetInt32());
        Assert.Equal(50m, items[0].GetProperty("completionRate").GetDecimal());
        Assert.Equal(90d, items[0].GetProperty("medianTimeSeconds").GetDouble());
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("dropOff").ValueKind); // no previous item
        Assert.Equal(1, items[1].GetProperty("started").GetInt32());
        Assert.Equal(2, items[1].GetProperty("previousCompleted").GetInt32());
        Assert.Equal(50m, items[1].GetProperty("dropOff").GetDecimal()); // s-001 completed the lesson, never opened the worksheet
        Assert.Equal(0, items[2].GetProperty("started").GetInt32());
        Assert.Equal(100m, items[2].GetProperty("dropOff").GetDecimal()); // s-002 completed the worksheet, never opened the extra
    }

    [Fact]
    public async Task A_learner_enrolled_from_the_catalog_counts_in_class_progress_analytics_and_the_progress_list()
    {
        var c = await CourseAsync();
        var d = c.District;
        var admin = await d.AsNewAsync(Roles.DistrictAdmin);
        Assert.True((await admin.PutAsJsonAsync($"/api/catalog/manage/{c.Shell}", new { audience = "students", tags = new[] { "elective" } })).IsSuccessStatusCode);
        var learnerUser = await api.CreateUserAsync(d.District, Roles.Student); // in none of the shell's classes
        var learner = api.ClientFor(d.District.Slug, TestTokens.Sign(api.SigningKey, d.District.Slug, d.District.Id, learnerUser.Id, [Roles.Student]));
        await Ok(await learner.PostAsync($"/api/catalog/{c.Shell}/enrol", null));
        await Ok(await learner.PostAsync($"/api/shells/{c.Shell}/items/{c.Lesson}/view", null));

        var all = Students(await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/class-progress"));
        Assert.Equal(5, all.Count); // the four of P1 and the catalog learner
        var row = all.Single(s => s.GetProperty("studentId").GetGuid() == learnerUser.Id);
        Assert.Equal(50m, row.GetProperty("percent").GetDecimal());
        Assert.Empty(row.GetProperty("classIds").EnumerateArray());
        // One class's view is that class's list only.
        var p1 = await d.IdAsync("classes", "nw-cls-alg1-p1");
        Assert.Equal(4, Students(await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/class-progress?classId={p1}")).Count);

        var a = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/analytics");
        Assert.Equal(5, a.GetProperty("enrolled").GetInt32());
        Assert.Equal(1, a.GetProperty("started").GetInt32());
        var progress = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/progress");
        Assert.Contains(progress.GetProperty("students").EnumerateArray(), s => s.GetProperty("studentId").GetGuid() == learnerUser.Id);

        // Withdrawn: no longer counted.
        await Ok(await learner.PostAsync($"/api/catalog/{c.Shell}/withdraw", null));
        Assert.Equal(4, (await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/analytics")).GetProperty("enrolled").GetInt32());
    }

    [Fact]
    public async Task Only_editors_see_a_courses_analytics_and_nothing_crosses_districts()
    {
        var c = await CourseAsync();
        var d = c.District;
        foreach (var path in new[] { $"/api/shells/{c.Shell}/analytics", $"/api/shells/{c.Shell}/class-progress" })
        {
            Assert.Equal(HttpStatusCode.OK, (await c.Teacher.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await (await d.AsNewAsync(Roles.DistrictAdmin)).GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await (await d.AsAsync("nw-t-001", Roles.SchoolAdmin)).GetAsync(path)).StatusCode); // nw-hs
            Assert.Equal(HttpStatusCode.NotFound, (await (await d.AsAsync("nw-t-003", Roles.SchoolAdmin)).GetAsync(path)).StatusCode); // nw-ms
            Assert.Equal(HttpStatusCode.NotFound, (await (await d.AsAsync("nw-t-003", Roles.Teacher)).GetAsync(path)).StatusCode); // not their class
            Assert.Equal(HttpStatusCode.NotFound, (await (await d.AsAsync("nw-s-001", Roles.Student)).GetAsync(path)).StatusCode); // enrolled, still not
            Assert.Equal(HttpStatusCode.NotFound, (await (await d.AsAsync("nw-g-001", Roles.Guardian)).GetAsync(path)).StatusCode);
            var other = await ShellTestDistrict.CreateAsync(api);
            Assert.Equal(HttpStatusCode.NotFound, (await (await other.AsNewAsync(Roles.DistrictAdmin)).GetAsync(path)).StatusCode);
        }
    }

    [Fact]
    public async Task District_view_counts_per_school_scopes_school_admins_and_pages_a_schools_shells()
    {
        var c = await CourseAsync();
        var d = c.District;
        await ViewAsync(c, "nw-s-001", c.Lesson);
        await ViewAsync(c, "nw-s-002", c.Lesson);
        await DoneAsync(c, "nw-s-002", c.Worksheet);
        var hs = await d.IdAsync("orgs", "nw-hs");
        var ms = await d.IdAsync("orgs", "nw-ms");

        var all = await (await d.AsNewAsync(Roles.DistrictAdmin)).GetFromJsonAsync<JsonElement>("/api/analytics/district");
        var schools = all.GetProperty("schools").EnumerateArray().ToList();
        Assert.Equal(new[] { hs, ms }.Order(), schools.Select(s => s.GetProperty("schoolId").GetGuid()).Order());
        var high = schools.Single(s => s.GetProperty("schoolId").GetGuid() == hs);
        Assert.Equal(1, high.GetProperty("shellsPublished").GetInt32()); // only the published shell counts
        Assert.Equal(4, high.GetProperty("enrollments").GetInt32());
        Assert.Equal(2, high.GetProperty("started").GetInt32());
        Assert.Equal(1, high.GetProperty("completed").GetInt32());
        Assert.Equal(25m, high.GetProperty("completionRate").GetDecimal());
        Assert.Equal(0, schools.Single(s => s.GetProperty("schoolId").GetGuid() == ms).GetProperty("shellsPublished").GetInt32());

        // a school admin sees their school only, and cannot drill into another
        var msAdmin = await d.AsAsync("nw-t-003", Roles.SchoolAdmin);
        var theirs = await msAdmin.GetFromJsonAsync<JsonElement>("/api/analytics/district");
        Assert.Equal([ms], theirs.GetProperty("schools").EnumerateArray().Select(s => s.GetProperty("schoolId").GetGuid()));
        Assert.Equal(HttpStatusCode.NotFound, (await msAdmin.GetAsync($"/api/analytics/district/schools/{hs}/shells")).StatusCode);
        foreach (var (who, role) in new[] { ("nw-t-001", Roles.Teacher), ("nw-s-001", Roles.Student), ("nw-g-001", Roles.Guardian) })
            Assert.Equal(HttpStatusCode.Forbidden, (await (await d.AsAsync(who, role)).GetAsync("/api/analytics/district")).StatusCode);

        // the drill: a second published shell, paged one per page, sorted by completion rate
        var teacher = c.Teacher;
        var p3 = await d.ShellOfAsync("nw-cls-alg1-p3");
        await ShellTestDistrict.PublishedLessonAsync(teacher, p3);
        var admin = await d.AsNewAsync(Roles.DistrictAdmin);
        var page1 = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/district/schools/{hs}/shells?pageSize=1&sort=completionRate&desc=true");
        var shells = page1.GetProperty("shells");
        Assert.Equal(2, shells.GetProperty("total").GetInt32());
        Assert.Equal(c.Shell, Assert.Single(shells.GetProperty("items").EnumerateArray()).GetProperty("shellId").GetGuid());
        var page2 = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/district/schools/{hs}/shells?pageSize=1&page=2&sort=completionRate&desc=true");
        Assert.Equal(p3, Assert.Single(page2.GetProperty("shells").GetProperty("items").EnumerateArray()).GetProperty("shellId").GetGuid());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync($"/api/analytics/district/schools/{hs}/shells?pageSize=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync($"/api/analytics/district/schools/{hs}/shells?sort=nope")).StatusCode);

        // another district's admin sees its own schools, never these
        var other = await ShellTestDistrict.CreateAsync(api);
        var foreign = await (await other.AsNewAsync(Roles.DistrictAdmin)).GetFromJsonAsync<JsonElement>("/api/analytics/district");
        Assert.DoesNotContain(foreign.GetProperty("schools").EnumerateArray(), s => s.GetProperty("schoolId").GetGuid() == hs);
        Assert.Equal(0, foreign.GetProperty("schools").EnumerateArray().Sum(s => s.GetProperty("enrollments").GetInt32()));
        Assert.Equal(HttpStatusCode.NotFound, (await (await other.AsNewAsync(Roles.DistrictAdmin)).GetAsync($"/api/analytics/district/schools/{hs}/shells")).StatusCode);
    }

    /// <summary>
    /// A district at scale (12,000 students in 480 published shells of 5 required items, 60% started), analysed, then
    /// each analytics statement EXPLAINed as the app role with the district set: none may read item_progress,
    /// enrollments or activity_events by a sequential scan (the analytics read the rollup in item_progress, never the
    /// events), and the per-shell statements reach item_progress and enrollments through their tenant-first indexes.
    /// </summary>
    [Fact]
    public async Task Analytics_plans_use_tenant_first_indexes_at_district_scale()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var tenant = d.District.Id;
        var school = await d.IdAsync("orgs", "nw-hs");
        var course = await d.ScalarAsync<Guid>("select course_id from classes where id = $1", await d.IdAsync("classes", "nw-cls-alg1-p1"));
        foreach (var statement in """
            insert into users (tenant_id, id, user_name, normalized_user_name, display_name, family_name, given_name)
            select $1, md5('u' || g)::uuid, 'bulk' || g, 'BULK' || g, 'Student ' || g, 'Bulk', 'S' || g from generate_series(1, 12000) g;
            insert into classes (tenant_id, id, title, class_type, course_id, school_id, term_ids)
            select $1, md5('c' || g)::uuid, 'Bulk ' || g, 'scheduled', $2, $3, '{}' from generate_series(1, 480) g;
            insert into enrollments (tenant_id, id, class_id, user_id, school_id, role)
            select $1, md5('e' || g)::uuid, md5('c' || (g % 480 + 1))::uuid, md5('u' || g)::uuid, $3, 'student' from generate_series(1, 12000) g;
            insert into course_shells (tenant_id, id, title, status, school_id, module_count, item_count, required_item_count)
            select $1, md5('s' || g)::uuid, 'Bulk course ' || g, 'published', $3, 1, 5, 5 from generate_series(1, 480) g;
            insert into course_shell_classes (tenant_id, shell_id, class_id)
            select $1, md5('s' || g)::uuid, md5('c' || g)::uuid from generate_series(1, 480) g;
            insert into modules (tenant_id, id, shell_id, title, position)
            select $1, md5('m' || g)::uuid, md5('s' || g)::uuid, 'Week 1', 1 from generate_series(1, 480) g;
            insert into content_items (tenant_id, id, shell_id, kind, title, url)
            select $1, md5('i' || g || '-' || k)::uuid, md5('s' || g)::uuid, 'link', 'Item ' || k, 'https://example.test/' || k
            from generate_series(1, 480) g, generate_series(1, 5) k;
            insert into module_items (tenant_id, id, shell_id, module_id, content_item_id, position, requirement, published)
            select $1, md5('i' || g || '-' || k)::uuid, md5('s' || g)::uuid, md5('m' || g)::uuid, md5('i' || g || '-' || k)::uuid, k, 'mark_done', true
            from generate_series(1, 480) g, generate_series(1, 5) k;
            insert into item_progress (tenant_id, student_id, module_item_id, shell_id, first_viewed_at, last_viewed_at, completed_at, time_spent_s)
            select $1, md5('u' || g)::uuid, md5('i' || (g % 480 + 1) || '-' || k)::uuid, md5('s' || (g % 480 + 1))::uuid, now(), now(),
                   case when k <= g % 6 then now() end, (g * k) % 900
            from generate_series(1, 12000) g, generate_series(1, 5) k where g % 5 <> 0 and k <= 1 + g % 5;
            insert into shell_progress (tenant_id, shell_id, student_id, completed_required_count)
            select $1, md5('s' || (g % 480 + 1))::uuid, md5('u' || g)::uuid, least(g % 6, 1 + g % 5) from generate_series(1, 12000) g where g % 5 <> 0;
            """.Split(";", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(x => x.Length > 0))
            await d.ExecAsync(statement, tenant, course, school);
        await using (var owner = new NpgsqlConnection(api.Database.ConnectionStrings.Owner))
        {
            await owner.OpenAsync();
            await using var analyze = new NpgsqlCommand("analyze users, classes, enrollments, course_shells, course_shell_classes, modules, content_items, module_items, item_progress, shell_progress", owner);
            await analyze.ExecuteNonQueryAsync();
        }

        var shell = await d.ScalarAsync<Guid>("select md5('s7')::uuid");
        var plans = new Dictionary<string, JsonElement>
        {
            ["class items"] = await ExplainAsync(d, ClassProgress.ItemsSql, tenant, shell),
            ["class students"] = await ExplainAsync(d, ClassProgress.StudentsSql, tenant, shell, null),
            ["class cells"] = await ExplainAsync(d, ClassProgress.CellsSql, tenant, shell, null),
            ["course items"] = await ExplainAsync(d, CourseAnalytics.ItemsSql, tenant, shell, null),
            ["course"] = await ExplainAsync(d, CourseAnalytics.CourseSql, tenant, shell, null, 5),
            ["district"] = await ExplainAsync(d, DistrictAnalytics.SchoolsSql, tenant, null),
            ["school shells"] = await ExplainAsync(d, DistrictAnalytics.ShellsSql, tenant, new[] { school }, "rate", true, 25, 0L),
        };
        string[] guarded = ["item_progress", "enrollments", "activity_events"];
        foreach (var (name, plan) in plans)
        {
            var scans = Nodes(plan).Where(n => n.GetProperty("Node Type").GetString() == "Seq Scan"
                && guarded.Any(t => n.TryGetProperty("Relation Name", out var r) && r.GetString()!.StartsWith(t))).ToList();
            Assert.True(scans.Count == 0, $"{name}: sequential scan on {string.Join(", ", scans.Select(s => s.GetProperty("Relation Name").GetString()))}\n{plan}");
        }
        foreach (var name in new[] { "class cells", "course items" })
            Assert.Contains(Nodes(plans[name]), n => n.TryGetProperty("Index Name", out var i) && i.GetString() is "item_progress_shell_student" or "item_progress_pkey");
        foreach (var name in new[] { "class students", "course", "district" })
            Assert.Contains(Nodes(plans[name]), n => n.TryGetProperty("Index Name", out var i) && i.GetString() == "enrollments_class");
    }

    async Task<JsonElement> ExplainAsync(ShellTestDistrict d, string sql, params object?[] parameters)
    {
        await using var conn = await api.Database.OpenAsTenantAsync(d.District.Id);
        await using var cmd = new NpgsqlCommand("explain (format json) " + sql, conn);
        foreach (var p in parameters) cmd.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        var json = (string)(await cmd.ExecuteScalarAsync())!;
        return JsonDocument.Parse(json).RootElement[0].GetProperty("Plan");
    }

    static IEnumerable<JsonElement> Nodes(JsonElement node)
    {
        yield return node;
        if (node.TryGetProperty("Plans", out var children))
            foreach (var child in children.EnumerateArray())
                foreach (var n in Nodes(child)) yield return n;
    }
}
