using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LmsCloud.Tests.Learning.ShellTestDistrict;

namespace LmsCloud.Tests.Learning;

/// <summary>
/// Grade passback (docs/passback.md): the OneRoster 1.2 Gradebook provider against the engine's stored scores, its
/// paging, filter, sort and field selection, its token boundaries, the CSV package with changedOnly, and the warnings.
/// </summary>
public sealed class OneRosterGradebookTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    const string Base = "/ims/oneroster/gradebook/v1p2";
    const string Class = "nw-cls-alg1-p1";
    static readonly DateTimeOffset Due1 = new(2026, 9, 10, 23, 59, 0, TimeSpan.Zero);
    static readonly DateTimeOffset Due2 = new(2026, 9, 20, 23, 59, 0, TimeSpan.Zero);

    /// <summary>
    /// Algebra I P1 (nw-t-001; students nw-s-001 … nw-s-004) with HW1 (10 points) and HW2 (20), both past due and sent
    /// back; a third assignment with passback off and a fourth with unposted grades. nw-s-001: HW1 8 on time, HW2 15
    /// two days late; nw-s-002: HW1 excused, HW2 submitted but ungraded; nw-s-003 and nw-s-004: nothing (missing).
    /// </summary>
    sealed record Gradebook(ShellTestDistrict District, HttpClient Teacher, HttpClient Sis, Guid Shell, Guid Hw1, Guid Hw2, Guid Unposted);

    async Task<Gradebook> GradebookAsync()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await d.ShellOfAsync(Class);
        await PostAsync(teacher, $"/api/shells/{shell}/status", new { status = "published" });
        var group = (await PostAsync(teacher, $"/api/shells/{shell}/assignment-groups", new { name = "Homework" })).GetProperty("id").GetGuid();
        async Task<Guid> Assignment(string title, decimal points, DateTimeOffset due, bool passback = true, bool postManually = false)
        {
            var id = (await PostAsync(teacher, $"/api/shells/{shell}/assignments",
                new { groupId = group, title, pointsPossible = points, dueAt = due, passback, postManually })).GetProperty("id").GetGuid();
            await PostAsync(teacher, $"/api/assignments/{id}/publish", new { published = true });
            return id;
        }
        var hw1 = await Assignment("HW1", 10, Due1);
        var hw2 = await Assignment("HW2", 20, Due2);
        await Assignment("Practice", 5, Due1, passback: false);
        var unposted = await Assignment("Quiz 1", 10, Due1, postManually: true);

        await SubmitAsync(d, shell, hw1, "nw-s-001", 8, Due1.AddHours(-3));
        await SubmitAsync(d, shell, hw2, "nw-s-001", 15, Due2.AddDays(2));
        await SubmitAsync(d, shell, unposted, "nw-s-001", 9, Due1.AddHours(-1));
        await SubmitAsync(d, shell, hw1, "nw-s-002", null, null, excused: true);
        await SubmitAsync(d, shell, hw2, "nw-s-002", null, Due2.AddHours(-1));
        await RecomputeAsync(d, shell);

        var admin = await d.AsNewAsync(Roles.DistrictAdmin);
        var sis = await ClientAsync(d.District, admin, Scopes.GradebookReadonly);
        return new Gradebook(d, teacher, sis, shell, hw1, hw2, unposted);
    }

    static async Task SubmitAsync(ShellTestDistrict d, Guid shell, Guid assignment, string student, decimal? score, DateTimeOffset? submittedAt,
        bool excused = false)
    {
        var workflow = score != null ? "graded" : submittedAt != null ? "submitted" : "unsubmitted";
        await d.ExecAsync("""
            insert into submissions (tenant_id, id, shell_id, assignment_id, student_id, workflow, score, excused, submitted_at, attempt_count, graded_at)
            values ($1, gen_random_uuid(), $2, $3, $4, $5, $6::numeric, $7, $8::timestamptz, $9, case when $6::numeric is null then null else now() end)
            """, d.District.Id, shell, assignment, await d.IdAsync("users", student), workflow, (object?)score ?? DBNull.Value, excused,
            (object?)submittedAt?.UtcDateTime ?? DBNull.Value, submittedAt == null ? 0 : 1);
    }

    static async Task GradeAsync(ShellTestDistrict d, Guid assignment, string student, decimal score) =>
        await d.ExecAsync("update submissions set score = $1, row_version = row_version + 1, updated_at = now() where assignment_id = $2 and student_id = $3",
            score, assignment, await d.IdAsync("users", student));

    /// <summary>
    /// The engine over the class's students and the upsert into student_scores, as a grade change does it. The students
    /// are named: RecomputeAsync(shell, null) fails on main at e210071 (GradeInputs passes an untyped null array).
    /// </summary>
    async Task RecomputeAsync(ShellTestDistrict d, Guid shell)
    {
        var students = new List<Guid>();
        foreach (var s in new[] { "nw-s-001", "nw-s-002", "nw-s-003", "nw-s-004" }) students.Add(await d.IdAsync("users", s));
        await DistrictScope.RunAsync(api.Services, new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active),
            scope => scope.GetRequiredService<ScoreKeeper>().RecomputeAsync(shell, students, CancellationToken.None));
    }

    Task<StoredScore?> StoredAsync(ShellTestDistrict d, Guid shell, Guid student) =>
        DistrictScope.RunAsync(api.Services, new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active),
            scope => scope.GetRequiredService<ScoreKeeper>().GetAsync(shell, student, CancellationToken.None));

    async Task<HttpClient> ClientAsync(DistrictSummary district, HttpClient admin, string scope)
    {
        var created = await PostAsync(admin, "/api/integrations/clients", new { name = "SIS gradebook", scopes = new[] { scope } });
        var response = await api.PostTokenAsync(district.Slug, ("grant_type", "client_credentials"),
            ("client_id", created.GetProperty("clientId").GetString()!), ("client_secret", created.GetProperty("clientSecret").GetString()!));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return api.ClientFor(district.Slug, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!);
    }

    static async Task<List<JsonElement>> ListAsync(HttpClient client, string path, string collection)
    {
        var response = await client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty(collection).EnumerateArray()];
    }

    static string Ref(JsonElement o, string key) => o.GetProperty(key).GetProperty("sourcedId").GetString()!;

    static async Task RefusedAsync(HttpResponseMessage response, HttpStatusCode status, string codeMinor)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode} {body}");
        var info = JsonDocument.Parse(body).RootElement;
        Assert.Equal("failure", info.GetProperty("imsx_codeMajor").GetString());
        Assert.Equal(codeMinor, info.GetProperty("imsx_CodeMinor").GetProperty("imsx_codeMinorField")[0].GetProperty("imsx_codeMinorFieldValue").GetString());
    }

    [Fact]
    public async Task Results_carry_the_engines_scores_and_the_score_status_of_each_submission()
    {
        var g = await GradebookAsync();
        var lineItems = await ListAsync(g.Sis, $"{Base}/classes/{Class}/lineItems", "lineItems");
        Assert.Equal(["HW1", "HW2", "Quiz 1"], lineItems.Select(l => l.GetProperty("title").GetString()).Order()); // passback off: not sent
        var hw1 = lineItems.Single(l => l.GetProperty("title").GetString() == "HW1");
        Assert.Equal(Class, Ref(hw1, "class"));
        Assert.Equal("nw-hs", Ref(hw1, "school"));
        Assert.Equal(10m, hw1.GetProperty("resultValueMax").GetDecimal());
        Assert.Equal(Due1, hw1.GetProperty("dueDate").GetDateTimeOffset());
        Assert.Equal(hw1.GetRawText(), (await g.Sis.GetFromJsonAsync<JsonElement>($"{Base}/lineItems/{hw1.GetProperty("sourcedId")}")).GetProperty("lineItem").GetRawText());
        var hw2 = lineItems.Single(l => l.GetProperty("title").GetString() == "HW2");
        var category = (await g.Sis.GetFromJsonAsync<JsonElement>($"{Base}/categories/{Ref(hw1, "category")}")).GetProperty("category");
        Assert.Equal("Homework", category.GetProperty("title").GetString());

        var results = await ListAsync(g.Sis, $"{Base}/classes/{Class}/results", "results");
        Assert.Equal(8, results.Count); // 4 students × the 2 posted line items; the unposted quiz's grades stay back
        JsonElement Result(JsonElement lineItem, string student) =>
            results.Single(r => Ref(r, "lineItem") == lineItem.GetProperty("sourcedId").GetString() && Ref(r, "student") == student);

        // Every score is the stored explanation's (after deductions), student by student.
        foreach (var student in new[] { "nw-s-001", "nw-s-002", "nw-s-003", "nw-s-004" })
        {
            var stored = (await StoredAsync(g.District, g.Shell, await g.District.IdAsync("users", student)))!.Result;
            foreach (var (lineItem, assignment) in new[] { (hw1, g.Hw1), (hw2, g.Hw2) })
            {
                var item = stored.Explanation.Assignments.Single(a => a.Assignment == assignment.ToString());
                var result = Result(lineItem, student);
                Assert.Equal(item.Score, result.GetProperty("score").ValueKind == JsonValueKind.Null ? null : result.GetProperty("score").GetDecimal());
                Assert.Equal(item.Status == "late" ? "true" : "false", result.GetProperty("late").GetString());
                Assert.Equal(item.Status == "missing" ? "true" : "false", result.GetProperty("missing").GetString());
            }
        }
        var onTime = Result(hw1, "nw-s-001");
        Assert.Equal(("fully graded", 8m, "false"), (onTime.GetProperty("scoreStatus").GetString(), onTime.GetProperty("score").GetDecimal(), onTime.GetProperty("late").GetString()));
        var late = Result(hw2, "nw-s-001");
        Assert.Equal(("fully graded", 15m, "true"), (late.GetProperty("scoreStatus").GetString(), late.GetProperty("score").GetDecimal(), late.GetProperty("late").GetString()));
        Assert.Equal(await g.District.ScalarAsync<string>("select to_char(graded_at at time zone 'UTC', 'YYYY-MM-DD') from submissions where assignment_id = $1 and student_id = $2",
            g.Hw2, await g.District.IdAsync("users", "nw-s-001")), late.GetProperty("scoreDate").GetString());
        var excused = Result(hw1, "nw-s-002");
        Assert.Equal(("exempt", JsonValueKind.Null), (excused.GetProperty("scoreStatus").GetString(), excused.GetProperty("score").ValueKind));
        Assert.Equal("submitted", Result(hw2, "nw-s-002").GetProperty("scoreStatus").GetString());
        var missing = Result(hw1, "nw-s-003");
        Assert.Equal(("not submitted", "true"), (missing.GetProperty("scoreStatus").GetString(), missing.GetProperty("missing").GetString()));

        // Class-scoped views agree with the district-wide one.
        var forStudent = await ListAsync(g.Sis, $"{Base}/classes/{Class}/students/nw-s-001/results", "results");
        Assert.Equal(new[] { Result(hw1, "nw-s-001"), Result(hw2, "nw-s-001") }.Select(r => r.GetProperty("sourcedId").GetString()).Order(),
            forStudent.Select(r => r.GetProperty("sourcedId").GetString()).Order());
        var forLineItem = await ListAsync(g.Sis, $"{Base}/classes/{Class}/lineItems/{hw2.GetProperty("sourcedId")}/results", "results");
        Assert.Equal(4, forLineItem.Count);
        Assert.All(forLineItem, r => Assert.Equal(hw2.GetProperty("sourcedId").GetString(), Ref(r, "lineItem")));
        var one = await g.Sis.GetFromJsonAsync<JsonElement>($"{Base}/results/{late.GetProperty("sourcedId")}");
        Assert.Equal(late.GetRawText(), one.GetProperty("result").GetRawText());
        var scale = Assert.Single(await ListAsync(g.Sis, $"{Base}/classes/{Class}/scoreScales", "scoreScales"));
        Assert.Equal("A", scale.GetProperty("scoreScaleValue")[0].GetProperty("value").GetString());
        Assert.Equal("94", scale.GetProperty("scoreScaleValue")[0].GetProperty("itemValueLHS").GetString());

        // A section override gives the class's line item its own due date (HW1 stays on time / missing for everyone).
        var extended = Due1.AddDays(3);
        var response = await g.Teacher.PutAsJsonAsync($"/api/assignments/{g.Hw1}/overrides/sections/{await g.District.IdAsync("classes", Class)}",
            new { dueAt = extended });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal(extended, (await g.Sis.GetFromJsonAsync<JsonElement>($"{Base}/lineItems/{hw1.GetProperty("sourcedId")}"))
            .GetProperty("lineItem").GetProperty("dueDate").GetDateTimeOffset());

        // A grade the teacher posts appears once posted.
        await g.District.ExecAsync("update assignments set grades_posted_at = now() where id = $1", g.Unposted);
        await RecomputeAsync(g.District, g.Shell);
        Assert.Equal(12, (await ListAsync(g.Sis, $"{Base}/classes/{Class}/results", "results")).Count);

        // A class the SIS does not name (made by hand) is reached by our id, and no longer by the SIS's former one.
        var classId = await g.District.IdAsync("classes", Class);
        await g.District.ExecAsync("delete from external_ids where internal_id = $1 and entity_type = 'classes'", classId);
        var byId = await ListAsync(g.Sis, $"{Base}/classes/{classId}/results", "results");
        Assert.Equal(12, byId.Count);
        Assert.All(byId, r => Assert.Equal(classId.ToString(), r.GetProperty("class").GetProperty("sourcedId").GetString()));
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/classes/{Class}/results"), HttpStatusCode.NotFound, "unknownobject");
    }

    [Fact]
    public async Task District_wide_results_page_shell_by_shell_and_hold_exactly_what_one_query_over_them_holds()
    {
        var g = await GradebookAsync();
        // a second course with results: Biology P2 (nw-t-002), one assignment sent back
        var biology = await g.District.ShellOfAsync("nw-cls-bio-p2");
        var teacher = await g.District.AsAsync("nw-t-002", Roles.Teacher);
        var group = (await PostAsync(teacher, $"/api/shells/{biology}/assignment-groups", new { name = "Labs" })).GetProperty("id").GetGuid();
        var lab = (await PostAsync(teacher, $"/api/shells/{biology}/assignments", new { groupId = group, title = "Lab 1", pointsPossible = 10, dueAt = Due1 }))
            .GetProperty("id").GetGuid();
        await PostAsync(teacher, $"/api/assignments/{lab}/publish", new { published = true });

        // one query over every result (a filter on a field every result has), and the same collection page by page
        var everything = await ListAsync(g.Sis, $"{Base}/results?limit=1000&filter={Uri.EscapeDataString("status='active'")}", "results");
        Assert.True(everything.Count > 8, $"{everything.Count} results"); // Algebra's 8 and Biology's
        var paged = new List<JsonElement>();
        for (var offset = 0; ; offset += 3)
        {
            var response = await g.Sis.GetAsync($"{Base}/results?limit=3&offset={offset}");
            Assert.Equal(everything.Count.ToString(), response.Headers.GetValues("X-Total-Count").Single());
            var page = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().ToList();
            if (page.Count == 0) break;
            paged.AddRange(page);
        }
        Assert.Equal(everything.Select(r => r.ToString()).Order(), paged.Select(r => r.ToString()).Order()); // the same objects, each once
        // a shell's results come together: Biology's lab results form one run
        var runs = paged.Select(r => Ref(r, "class")).Aggregate(new List<string>(), (l, c) => { if (l.Count == 0 || l[^1] != c) l.Add(c); return l; });
        Assert.Equal(runs.Count, runs.Distinct().Count());
    }

    [Fact]
    public async Task A_delta_pull_returns_exactly_the_results_modified_since_the_time_it_names()
    {
        var g = await GradebookAsync();
        static DateTimeOffset Modified(JsonElement r) => r.GetProperty("dateLastModified").GetDateTimeOffset();
        var before = await ListAsync(g.Sis, $"{Base}/results?limit=1000", "results");
        var since = before.Max(Modified).AddMilliseconds(1);
        Assert.Empty(await ListAsync(g.Sis, $"{Base}/results?filter={Uri.EscapeDataString($"dateLastModified>'{since:O}'")}", "results"));

        await Task.Delay(5);
        await GradeAsync(g.District, g.Hw2, "nw-s-001", 20); // HW2 15 → 20: the submission and the student's stored score change
        var student = await g.District.IdAsync("users", "nw-s-001");
        await DistrictScope.RunAsync(api.Services, new District(g.District.District.Id, g.District.District.Slug, g.District.District.Name, DistrictStatus.Active),
            scope => scope.GetRequiredService<ScoreKeeper>().RecomputeAsync(g.Shell, [student], CancellationToken.None)); // as the grade change does
        var all = await ListAsync(g.Sis, $"{Base}/results?limit=1000", "results");
        var expected = all.Where(r => Modified(r) > since).Select(r => r.GetProperty("sourcedId").GetString()).Order().ToList();
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < all.Count, "only what changed");
        foreach (var op in new[] { ">", ">=" })
        {
            var delta = await ListAsync(g.Sis, $"{Base}/results?limit=1000&filter={Uri.EscapeDataString($"dateLastModified{op}'{since:O}'")}", "results");
            Assert.Equal(expected, delta.Select(r => r.GetProperty("sourcedId").GetString()).Order().ToList());
        }
        // ANDed with another field, and class-scoped, the same narrowing holds
        var graded = await ListAsync(g.Sis, $"{Base}/classes/{Class}/results?filter={Uri.EscapeDataString($"dateLastModified>'{since:O}' AND scoreStatus='fully graded'")}", "results");
        Assert.Contains(graded, r => Ref(r, "student") == "nw-s-001" && r.GetProperty("score").GetDecimal() == 20m);
        Assert.All(graded, r => Assert.True(Modified(r) > since));
    }

    [Fact]
    public async Task Collections_page_filter_sort_and_select_fields_as_the_specification_defines()
    {
        var g = await GradebookAsync();
        var all = await ListAsync(g.Sis, $"{Base}/results", "results");
        Assert.Equal(8, all.Count);

        var first = await g.Sis.GetAsync($"{Base}/results?limit=3");
        Assert.Equal("8", first.Headers.GetValues("X-Total-Count").Single());
        var link = first.Headers.GetValues("Link").Single();
        Assert.Contains("offset=3>; rel=\"next\"", link);
        Assert.Contains("offset=6>; rel=\"last\"", link);
        Assert.DoesNotContain("rel=\"prev\"", link);
        var pages = new List<string>();
        for (var offset = 0; offset < 8; offset += 3)
            pages.AddRange((await ListAsync(g.Sis, $"{Base}/results?limit=3&offset={offset}", "results")).Select(r => r.GetProperty("sourcedId").GetString()!));
        Assert.Equal(all.Select(r => r.GetProperty("sourcedId").GetString()!), pages); // sourcedId order, no overlap, nothing lost

        var graded = await ListAsync(g.Sis, $"{Base}/results?filter={Uri.EscapeDataString("scoreStatus='fully graded'")}", "results");
        Assert.Equal(2, graded.Count);
        var high = await ListAsync(g.Sis, $"{Base}/results?filter={Uri.EscapeDataString("scoreStatus='fully graded' AND score>'10'")}", "results");
        Assert.Equal(15m, Assert.Single(high).GetProperty("score").GetDecimal());
        var either = await ListAsync(g.Sis, $"{Base}/results?filter={Uri.EscapeDataString("scoreStatus='exempt' OR scoreStatus='submitted'")}", "results");
        Assert.Equal(["exempt", "submitted"], either.Select(r => r.GetProperty("scoreStatus").GetString()).Order());
        var byStudent = await ListAsync(g.Sis, $"{Base}/results?filter={Uri.EscapeDataString("student.sourcedId='nw-s-003'")}", "results");
        Assert.Equal(2, byStudent.Count);
        Assert.Equal(2, (await ListAsync(g.Sis, $"{Base}/lineItems?filter={Uri.EscapeDataString("title~'hw'")}", "lineItems")).Count);
        Assert.Empty(await ListAsync(g.Sis, $"{Base}/results?filter={Uri.EscapeDataString("dateLastModified>'2999-01-01T00:00:00Z'")}", "results"));

        var sorted = await ListAsync(g.Sis, $"{Base}/results?sort=score&orderBy=desc&limit=2", "results");
        Assert.Equal([15m, 8m], sorted.Select(r => r.GetProperty("score").GetDecimal()));
        var slim = await ListAsync(g.Sis, $"{Base}/results?fields=sourcedId,score&limit=1", "results");
        Assert.Equal(["sourcedId", "score"], Assert.Single(slim).EnumerateObject().Select(p => p.Name));

        await RefusedAsync(await g.Sis.GetAsync($"{Base}/results?filter={Uri.EscapeDataString("grade='A'")}"), HttpStatusCode.BadRequest, "invalid_filter_field");
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/results?filter={Uri.EscapeDataString("score='x' AND late='true'")}"), HttpStatusCode.BadRequest, "invalid_filter_field");
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/results?filter={Uri.EscapeDataString("late='true' AND missing='true' OR score>'1'")}"),
            HttpStatusCode.BadRequest, "invalid_filter_field");
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/results?filter={Uri.EscapeDataString("late=true")}"), HttpStatusCode.BadRequest, "invalid_filter_field");
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/results?sort=grade"), HttpStatusCode.BadRequest, "invalid_sort_field");
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/results?fields=sourcedId,grade"), HttpStatusCode.BadRequest, "invalid_selection_field");
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/results?limit=0"), HttpStatusCode.BadRequest, "invaliddata");
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/results/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "unknownobject");
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/classes/nw-cls-nope/lineItems"), HttpStatusCode.NotFound, "unknownobject");
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/classes/{Class}/lineItems/{Guid.NewGuid()}/results"), HttpStatusCode.NotFound, "unknownobject");
        await RefusedAsync(await g.Sis.GetAsync($"{Base}/classes/{Class}/students/nw-s-nope/results"), HttpStatusCode.NotFound, "unknownobject");
    }

    [Fact]
    public async Task Only_this_districts_tokens_holding_the_gradebook_scope_read_it()
    {
        var g = await GradebookAsync();
        var lineItem = (await ListAsync(g.Sis, $"{Base}/lineItems", "lineItems"))[0].GetProperty("sourcedId").GetString();

        // Another district (the same roster sample, so the same class sourcedIds) with its own gradebook client.
        var other = await GradebookAsync();
        var foreignToken = other.Sis.DefaultRequestHeaders.Authorization!;
        var crossed = api.ClientFor(g.District.District.Slug);
        crossed.DefaultRequestHeaders.Authorization = foreignToken;
        Assert.Equal(HttpStatusCode.Unauthorized, (await crossed.GetAsync($"{Base}/lineItems")).StatusCode);
        // Its own ids do not reach this district's objects, nor this district's ids its objects.
        await RefusedAsync(await other.Sis.GetAsync($"{Base}/lineItems/{lineItem}"), HttpStatusCode.NotFound, "unknownobject");
        Assert.DoesNotContain(lineItem, (await ListAsync(other.Sis, $"{Base}/classes/{Class}/lineItems", "lineItems")).Select(l => l.GetProperty("sourcedId").GetString()));

        var admin = await g.District.AsNewAsync(Roles.DistrictAdmin);
        var importer = await ClientAsync(g.District.District, admin, Scopes.SisImport);
        await RefusedAsync(await importer.GetAsync($"{Base}/results"), HttpStatusCode.Forbidden, "forbidden");
        await RefusedAsync(await g.Teacher.GetAsync($"{Base}/results"), HttpStatusCode.Forbidden, "forbidden");
        await RefusedAsync(await admin.GetAsync($"{Base}/classes/{Class}/results"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.ClientFor(g.District.District.Slug).GetAsync($"{Base}/results")).StatusCode);
    }

    static async Task<Dictionary<string, List<string>>> UnzipAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        return zip.Entries.ToDictionary(e => e.Name, e =>
        {
            using var reader = new StreamReader(e.Open());
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        });
    }

    [Fact]
    public async Task The_csv_package_resends_only_what_changed_since_it_was_last_sent()
    {
        var g = await GradebookAsync();
        var path = $"/api/shells/{g.Shell}/passback.zip";
        var full = await UnzipAsync(await g.Teacher.GetAsync(path));
        Assert.Contains("file.results,bulk", full["manifest.csv"]);
        Assert.Equal("sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment,classSourcedId,textScore,inProgress,incomplete,late,missing",
            full["results.csv"][0]);
        Assert.Equal(9, full["results.csv"].Count); // header + the 8 results the REST provider serves
        Assert.Equal(4, full["lineItems.csv"].Count); // header + HW1, HW2, Quiz 1
        Assert.Equal(2, full["categories.csv"].Count);
        Assert.Equal(12L, await g.District.ScalarAsync<long>("select count(*) from passback_state")); // 1 category, 3 line items, 8 results

        // Nothing changed: a resend carries nothing, even after a recompute that rewrites every stored score.
        await RecomputeAsync(g.District, g.Shell);
        var unchanged = await UnzipAsync(await g.Teacher.GetAsync(path + "?changedOnly=true"));
        Assert.Contains("file.results,delta", unchanged["manifest.csv"]);
        Assert.Equal([1, 1, 1], new[] { unchanged["results.csv"].Count, unchanged["lineItems.csv"].Count, unchanged["categories.csv"].Count });

        // One grade changes: exactly that result goes, with the new score; then nothing again.
        await GradeAsync(g.District, g.Hw1, "nw-s-001", 9.5m);
        await RecomputeAsync(g.District, g.Shell);
        var changed = await UnzipAsync(await g.Teacher.GetAsync(path + "?changedOnly=true"));
        var row = Assert.Single(changed["results.csv"].Skip(1)).Split(',');
        Assert.Equal(("nw-s-001", "fully graded", "9.50"), (row[4], row[5], row[6]));
        Assert.Equal(9.5m, (await g.Sis.GetFromJsonAsync<JsonElement>($"{Base}/results/{row[0]}")).GetProperty("result").GetProperty("score").GetDecimal());
        Assert.Single((await UnzipAsync(await g.Teacher.GetAsync(path + "?changedOnly=true")))["results.csv"]); // the header alone

        // An assignment taken out of passback: its line item and results go as tobedeleted, once.
        Assert.True((await g.Teacher.PatchAsJsonAsync($"/api/assignments/{g.Hw2}", new { passback = false })).IsSuccessStatusCode);
        var removed = await UnzipAsync(await g.Teacher.GetAsync(path + "?changedOnly=true"));
        Assert.Equal(4, removed["results.csv"].Skip(1).Count(r => r.Split(',')[1] == "tobedeleted"));
        Assert.Equal("tobedeleted", Assert.Single(removed["lineItems.csv"].Skip(1)).Split(',')[1]);
        Assert.Single((await UnzipAsync(await g.Teacher.GetAsync(path + "?changedOnly=true")))["results.csv"]); // the header alone

        // Only the course's editors export: a student reads the course but gets 403; another district's teacher 404.
        var student = await g.District.AsAsync("nw-s-001", Roles.Student);
        await HttpAssert.ProblemAsync(await student.GetAsync(path), HttpStatusCode.Forbidden);
        var other = await ShellTestDistrict.CreateAsync(api);
        await HttpAssert.ProblemAsync(await (await other.AsAsync("nw-t-001", Roles.Teacher)).GetAsync(path), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Warnings_name_what_a_sis_would_refuse_before_anything_is_sent()
    {
        var g = await GradebookAsync();
        var group = (await g.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{g.Shell}/assignment-groups"))[0].GetProperty("id").GetGuid();
        var undated = (await PostAsync(g.Teacher, $"/api/shells/{g.Shell}/assignments",
            new { groupId = group, title = "Chapter 3 review: linear equations and inequalities", pointsPossible = 0 })).GetProperty("id").GetGuid();
        await PostAsync(g.Teacher, $"/api/assignments/{undated}/publish", new { published = true });
        var early = (await PostAsync(g.Teacher, $"/api/shells/{g.Shell}/assignments",
            new { groupId = group, title = "Summer", pointsPossible = 7.5, dueAt = new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero) })).GetProperty("id").GetGuid();
        await PostAsync(g.Teacher, $"/api/assignments/{early}/publish", new { published = true });

        var warnings = (await g.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{g.Shell}/passback/warnings")).EnumerateArray().ToList();
        string[] Codes(Guid assignment) => [.. warnings.Where(w => w.GetProperty("assignmentId").ValueKind != JsonValueKind.Null
                                                                 && w.GetProperty("assignmentId").GetGuid() == assignment)
                                                       .Select(w => w.GetProperty("code").GetString()!).Order()];
        Assert.Equal(["no_due_date", "points_zero", "title_long"], Codes(undated));
        Assert.Equal(["due_outside_term", "points_fractional"], Codes(early));
        Assert.Equal(["unposted"], Codes(g.Unposted));
        Assert.Empty(Codes(g.Hw1));
        Assert.Equal("error", warnings.First(w => w.GetProperty("code").GetString() == "no_due_date").GetProperty("severity").GetString());

        var student = await g.District.AsAsync("nw-s-001", Roles.Student);
        await HttpAssert.ProblemAsync(await student.GetAsync($"/api/shells/{g.Shell}/passback/warnings"), HttpStatusCode.Forbidden);
    }
}
