using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LmsCloud.Tests.Learning.ShellTestDistrict;

namespace LmsCloud.Tests.Learning;

/// <summary>
/// Grading policy, schemes, final overrides, grading periods and the grade contract
/// (<c>GET /api/shells/{shellId}/students/{studentId}/grade</c>) over the API. Submissions are inserted by SQL (their
/// endpoints live elsewhere); a policy PUT then recomputes the stored scores.
/// </summary>
public sealed class GradingPolicyTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static readonly DateTimeOffset Oct1 = new(2026, 10, 1, 23, 59, 0, TimeSpan.Zero);

    sealed record Course(ShellTestDistrict District, HttpClient Teacher, Guid Shell, Guid Homework, Guid Tests,
        Dictionary<string, Guid> Assignments, Dictionary<string, Guid> Students)
    {
        public string Grade(string student) => $"/api/shells/{Shell}/students/{Students[student]}/grade";
    }

    /// <summary>
    /// Algebra I P1 (nw-t-001; students nw-s-001..004), published. Homework (weight 40, drop lowest 1): HW1–HW3 of 10 points;
    /// Tests (weight 60): T1 of 100 and T2 of 100 posted manually (not posted yet). Scores by SQL, then a policy PUT (percent).
    /// </summary>
    async Task<Course> CourseAsync()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        await PostAsync(teacher, $"/api/shells/{shell}/status", new { status = "published" });
        var hw = (await PostAsync(teacher, $"/api/shells/{shell}/assignment-groups", new { name = "Homework", weight = 40, dropLowest = 1 })).GetProperty("id").GetGuid();
        var tests = (await PostAsync(teacher, $"/api/shells/{shell}/assignment-groups", new { name = "Tests", weight = 60 })).GetProperty("id").GetGuid();
        var assignments = new Dictionary<string, Guid>();
        var specs = new[] { ("HW1", hw, 10, 0, false), ("HW2", hw, 10, 7, false), ("HW3", hw, 10, 14, false), ("T1", tests, 100, 19, false), ("T2", tests, 100, 21, true) };
        foreach (var (title, group, points, day, manual) in specs)
        {
            var id = (await PostAsync(teacher, $"/api/shells/{shell}/assignments",
                new { groupId = group, title, pointsPossible = points, dueAt = Oct1.AddDays(day), postManually = manual })).GetProperty("id").GetGuid();
            await PostAsync(teacher, $"/api/assignments/{id}/publish", new { published = true });
            assignments[title] = id;
        }
        var students = new Dictionary<string, Guid>();
        foreach (var s in new[] { "nw-s-001", "nw-s-002", "nw-s-003", "nw-s-004" }) students[s] = await d.IdAsync("users", s);
        var c = new Course(d, teacher, shell, hw, tests, assignments, students);
        var scores = new (string Student, string Assignment, decimal Score)[]
        {
            ("nw-s-001", "HW1", 8), ("nw-s-001", "HW2", 5), ("nw-s-001", "HW3", 10), ("nw-s-001", "T1", 85), ("nw-s-001", "T2", 50),
            ("nw-s-002", "HW1", 10), ("nw-s-002", "T1", 70),
            ("nw-s-004", "HW1", 9), ("nw-s-004", "HW2", 7), ("nw-s-004", "T1", 95),
        };
        foreach (var (student, assignment, score) in scores)
            await d.ExecAsync("""
                insert into submissions (tenant_id, id, shell_id, assignment_id, student_id, workflow, score, submitted_at, attempt_count, graded_at)
                values ($1, gen_random_uuid(), $2, $3, $4, 'graded', $5, $6, 1, now())
                """, d.District.Id, shell, assignments[assignment], students[student], score, Oct1.AddDays(-1));
        await PutPolicyAsync(c, new { weighting = "percent" });
        return c;
    }

    async Task<JsonElement> PutPolicyAsync(Course c, object body)
    {
        var response = await c.Teacher.PutAsJsonAsync($"/api/shells/{c.Shell}/grading-policy", body);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()} {string.Join("\n", api.Errors)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The description GradeInputs should build for nw-s-001, written out by hand.</summary>
    static GradeDescription DescriptionOfFirstStudent(Course c, GradingRules rules)
    {
        string A(string t) => c.Assignments[t].ToString();
        var groups = new List<GradeGroup>
        {
            new(c.Homework.ToString(), "Homework", 40, 1, 0, []), new(c.Tests.ToString(), "Tests", 60, 0, 0, []),
        };
        var assignments = new List<GradeAssignment>
        {
            new(A("HW1"), c.Homework.ToString(), 10, Oct1, false, true, KeepAttempt.Highest),
            new(A("HW2"), c.Homework.ToString(), 10, Oct1.AddDays(7), false, true, KeepAttempt.Highest),
            new(A("HW3"), c.Homework.ToString(), 10, Oct1.AddDays(14), false, true, KeepAttempt.Highest),
            new(A("T1"), c.Tests.ToString(), 100, Oct1.AddDays(19), false, true, KeepAttempt.Highest),
            new(A("T2"), c.Tests.ToString(), 100, Oct1.AddDays(21), false, false, KeepAttempt.Highest),
        };
        var submitted = Oct1.AddDays(-1);
        var submissions = new List<GradeSubmission>
        {
            new(A("HW1"), 8, null, submitted, false, null), new(A("HW2"), 5, null, submitted, false, null), new(A("HW3"), 10, null, submitted, false, null),
            new(A("T1"), 85, null, submitted, false, null), new(A("T2"), 50, null, submitted, false, null),
        };
        return new GradeDescription(rules.Weighting ?? Weighting.Percent, rules.LatePolicy, rules.MissingPolicy, rules.Scheme, DateTimeOffset.UtcNow,
            groups, assignments, submissions);
    }

    static decimal? Number(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetDecimal();

    static string? Text(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();

    static JsonNode? Node(object value) => JsonSerializer.SerializeToNode(value, GradeDescriptionJson.WriteOptions);

    [Fact]
    public async Task The_grade_contract_matches_the_engine_for_the_same_description_and_a_student_sees_the_posted_view_only()
    {
        var c = await CourseAsync();
        var expected = GradeEngine.Compute(DescriptionOfFirstStudent(c, new GradingRules(Weighting.Percent, null, null, GradeDescription.DefaultScheme)));
        // HW: 8 + 10 of 20 (5 dropped) = 90%; Tests (posted): 85%; 0.4 × 90 + 0.6 × 85 = 87.00 (B+). Teacher: Tests 135/200 = 67.5% → 76.50.
        Assert.Equal(87.00m, expected.Current);
        Assert.Equal(76.50m, expected.UnpostedCurrent);

        var teacherView = await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"));
        Assert.Equal(expected.Current, Number(teacherView, "current"));
        Assert.Equal("87.00", teacherView.GetProperty("current").GetRawText()); // 2 places
        Assert.Equal(expected.EffectiveFinal, Number(teacherView, "final"));
        Assert.Equal("B+", Text(teacherView, "currentLetter"));
        Assert.Equal(expected.EffectiveFinalLetter, Text(teacherView, "finalLetter"));
        Assert.False(teacherView.GetProperty("stale").GetBoolean());
        Assert.True(teacherView.GetProperty("computedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        var groups = teacherView.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal([c.Homework.ToString(), c.Tests.ToString()], groups.Select(g => g.GetProperty("id").GetString()));
        Assert.Equal(["Homework", "Tests"], groups.Select(g => g.GetProperty("name").GetString()));
        Assert.Equal([c.Assignments["HW2"].ToString()], groups[0].GetProperty("dropped").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(90.00m, Number(groups[0], "current"));
        Assert.True(JsonNode.DeepEquals(Node(expected.Groups), JsonNode.Parse(teacherView.GetProperty("groups").GetRawText())));
        Assert.True(JsonNode.DeepEquals(Node(expected.Explanation), JsonNode.Parse(teacherView.GetProperty("explanation").GetRawText())));
        var unposted = teacherView.GetProperty("unposted");
        Assert.Equal(expected.UnpostedCurrent, Number(unposted, "current"));
        Assert.Equal(expected.UnpostedFinal, Number(unposted, "final"));
        Assert.Equal(expected.UnpostedCurrentLetter, Text(unposted, "currentLetter"));
        Assert.True(JsonNode.DeepEquals(Node(expected.UnpostedExplanation), JsonNode.Parse(unposted.GetProperty("explanation").GetRawText())));

        // the student: the same posted numbers, no unposted view, and another student's grade does not exist for them
        var student = await c.District.AsAsync("nw-s-001", Roles.Student);
        var own = await student.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"));
        Assert.Equal(87.00m, Number(own, "current"));
        Assert.Equal(JsonValueKind.Null, own.GetProperty("unposted").ValueKind);
        Assert.DoesNotContain("\"50", own.GetProperty("explanation").GetRawText()); // T2's unposted 50 is nowhere in the student's view
        await HttpAssert.ProblemAsync(await student.GetAsync(c.Grade("nw-s-002")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_missing_row_is_computed_on_read_and_a_row_marked_stale_is_returned_with_stale_true()
    {
        var c = await CourseAsync();
        await c.District.ExecAsync("delete from student_scores where student_id = $1", c.Students["nw-s-004"]);
        var computed = await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-004"));
        Assert.NotNull(Number(computed, "current"));
        Assert.Equal(1L, await c.District.ScalarAsync<long>("select count(*) from student_scores where student_id = $1", c.Students["nw-s-004"]));

        await c.District.ExecAsync("update student_scores set stale_since = now() where student_id = $1", c.Students["nw-s-001"]);
        var stale = await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"));
        Assert.True(stale.GetProperty("stale").GetBoolean());
        Assert.Equal(87.00m, Number(stale, "current")); // the stored row, not hidden
        await PutPolicyAsync(c, new { weighting = "percent" });
        Assert.False((await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"))).GetProperty("stale").GetBoolean());
    }

    [Fact]
    public async Task A_policy_change_recomputes_everyone_and_the_preview_counts_letter_changes_without_saving()
    {
        var c = await CourseAsync();
        var graded = new[] { "nw-s-001", "nw-s-002", "nw-s-004" };
        async Task<Dictionary<string, (decimal? Current, string? Letter)>> TeacherViewsAsync()
        {
            var result = new Dictionary<string, (decimal?, string?)>();
            foreach (var s in c.Students.Keys)
            {
                var u = (await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade(s))).GetProperty("unposted");
                result[s] = (Number(u, "current"), Text(u, "currentLetter"));
            }
            return result;
        }
        var before = await TeacherViewsAsync();
        var policy = new { weighting = "points", latePolicy = (object?)null, missingPolicy = new { deductionPercent = 100, floorPercent = 50 } };

        var preview = await PostAsync(c.Teacher, $"/api/shells/{c.Shell}/grading-policy/preview", policy);
        Assert.Equal(1, (await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/grading-policy")).GetProperty("version").GetInt32());
        Assert.Equal(before, await TeacherViewsAsync()); // nothing saved

        var saved = await PutPolicyAsync(c, policy);
        Assert.Equal(2, saved.GetProperty("version").GetInt32());
        Assert.Equal("points", saved.GetProperty("weighting").GetString());
        Assert.Equal(50m, saved.GetProperty("missingPolicy").GetProperty("floorPercent").GetDecimal());
        var after = await TeacherViewsAsync();
        Assert.All(graded, s => Assert.NotEqual(before[s].Current, after[s].Current));
        // the preview said exactly what the save did
        var letterChanges = c.Students.Keys.Count(s => before[s].Letter != after[s].Letter);
        Assert.True(letterChanges > 0);
        Assert.Equal(letterChanges, preview.GetProperty("studentsChangingLetter").GetInt32());
        var changes = preview.GetProperty("changes").EnumerateArray().ToDictionary(x => x.GetProperty("studentId").GetGuid());
        foreach (var s in graded)
        {
            var change = changes[c.Students[s]];
            Assert.Equal(before[s].Current, Number(change, "before"));
            Assert.Equal(after[s].Current, Number(change, "after"));
            Assert.Equal(after[s].Letter, Text(change, "afterLetter"));
        }
        // s-001 under points (HW2 dropped): (8 + 10 + 85 + 50) / 220 = 69.55 in the teacher's view
        Assert.Equal(69.55m, after["nw-s-001"].Current);

        // the change is audited with before and after
        var audited = await c.District.ScalarAsync<string>("""
            select after_values::text from audit_events where action = 'grading_policy.updated' and entity_id = $1 order by seq desc limit 1
            """, c.Shell.ToString());
        Assert.Contains("points", audited);

        // a write against a version read earlier is refused (two teachers editing the policy at once)
        var stalePut = new HttpRequestMessage(HttpMethod.Put, $"/api/shells/{c.Shell}/grading-policy") { Content = JsonContent.Create(new { weighting = "percent" }) };
        stalePut.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        await HttpAssert.ProblemAsync(await c.Teacher.SendAsync(stalePut), HttpStatusCode.PreconditionFailed);
        var currentPut = new HttpRequestMessage(HttpMethod.Put, $"/api/shells/{c.Shell}/grading-policy") { Content = JsonContent.Create(policy) };
        currentPut.Headers.TryAddWithoutValidation("If-Match", "\"2\"");
        Assert.Equal(HttpStatusCode.OK, (await c.Teacher.SendAsync(currentPut)).StatusCode);

        // bad input is a validation problem; a student may not read or change the policy
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync($"/api/shells/{c.Shell}/grading-policy", new { weighting = "median" }), "weighting");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync($"/api/shells/{c.Shell}/grading-policy",
            new { weighting = "percent", latePolicy = new { deductionPercent = 10, interval = "fortnight", floorPercent = 0 } }), "latePolicy.interval");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PostAsJsonAsync($"/api/shells/{c.Shell}/grading-policy/preview",
            new { weighting = "percent", missingPolicy = new { deductionPercent = 150, floorPercent = 0 } }), "missingPolicy.deductionPercent");
        var student = await c.District.AsAsync("nw-s-001", Roles.Student);
        await HttpAssert.ProblemAsync(await student.GetAsync($"/api/shells/{c.Shell}/grading-policy"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await student.PutAsJsonAsync($"/api/shells/{c.Shell}/grading-policy", new { weighting = "percent" }), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Group_weights_and_drops_go_with_the_policy_over_the_api_previewed_then_saved_together()
    {
        var c = await CourseAsync();
        Assert.Equal(76.5m, Number((await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"))).GetProperty("unposted"), "current"));
        // Homework 60 with nothing dropped, Tests 40: s-001 (teacher view) 0.6 × 23/30 + 0.4 × 135/200 = 46 + 27 = 73.00
        var policy = new
        {
            weighting = "percent",
            groups = new object[] { new { groupId = c.Homework, weight = 60, dropLowest = 0, dropHighest = 0 }, new { groupId = c.Tests, weight = 40, dropLowest = 0, dropHighest = 0 } },
        };
        var preview = await PostAsync(c.Teacher, $"/api/shells/{c.Shell}/grading-policy/preview", policy);
        var change = preview.GetProperty("changes").EnumerateArray().Single(x => x.GetProperty("studentId").GetGuid() == c.Students["nw-s-001"]);
        Assert.Equal((76.5m, 73.00m, "C", "C-"), (Number(change, "before"), Number(change, "after"), Text(change, "beforeLetter"), Text(change, "afterLetter")));
        Assert.Equal(76.5m, Number((await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"))).GetProperty("unposted"), "current")); // not saved

        await PutPolicyAsync(c, policy);
        var grade = await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"));
        Assert.Equal(73.00m, Number(grade.GetProperty("unposted"), "current"));
        var groups = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/assignment-groups");
        var homework = groups.EnumerateArray().Single(g => g.GetProperty("id").GetGuid() == c.Homework);
        Assert.Equal((60m, 0), (homework.GetProperty("weight").GetDecimal(), homework.GetProperty("dropLowest").GetInt32()));
        Assert.Equal(1, await c.District.ScalarAsync<long>(
            "select count(*) from audit_events where action = 'assignment_groups.policy_updated' and entity_id = $1", c.Shell.ToString()));

        // a group of another course is refused and nothing is saved
        var other = await c.District.ShellOfAsync("nw-cls-bio-p2");
        var foreign = (await PostAsync(await c.District.AsAsync("nw-t-002", Roles.Teacher), $"/api/shells/{other}/assignment-groups",
            new { name = "Labs", weight = 10 })).GetProperty("id").GetGuid();
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync($"/api/shells/{c.Shell}/grading-policy",
            new { weighting = "points", groups = new object[] { new { groupId = foreign, weight = 5, dropLowest = 0, dropHighest = 0 } } }), "groups");
        Assert.Equal("percent", (await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/grading-policy")).GetProperty("weighting").GetString());
    }

    [Fact]
    public async Task A_district_scheme_as_default_or_as_the_course_override_changes_letters_and_bad_ladders_are_refused()
    {
        var c = await CourseAsync();
        var admin = await c.District.AsNewAsync(Roles.DistrictAdmin);
        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/grading-schemes",
            new { name = "Bad", entries = new[] { new { letter = "P", minPercent = 60 }, new { letter = "F", minPercent = 10 } } }), "entries", "lowest not 0");
        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/grading-schemes",
            new { name = "Bad", entries = new[] { new { letter = "P", minPercent = 60 }, new { letter = "Q", minPercent = 70 }, new { letter = "F", minPercent = 0 } } }),
            "entries", "not descending");
        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/grading-schemes",
            new { name = "Bad", entries = new[] { new { letter = "P", minPercent = 60 }, new { letter = "p", minPercent = 0 } } }), "entries", "duplicate");
        await HttpAssert.ProblemAsync(await c.Teacher.PostAsJsonAsync("/api/grading-schemes",
            new { name = "Mine", entries = new[] { new { letter = "P", minPercent = 0 } } }), HttpStatusCode.Forbidden);

        var passFail = (await PostAsync(admin, "/api/grading-schemes",
            new { name = "Pass/fail", entries = new[] { new { letter = "P", minPercent = 60 }, new { letter = "F", minPercent = 0 } } })).GetProperty("id").GetGuid();
        var honours = (await PostAsync(admin, "/api/grading-schemes",
            new { name = "Honours", entries = new[] { new { letter = "H", minPercent = 85 }, new { letter = "S", minPercent = 50 }, new { letter = "U", minPercent = 0 } } }))
            .GetProperty("id").GetGuid();
        Assert.Equal("B+", Text(await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001")), "currentLetter"));

        // the course's own scheme
        await PutPolicyAsync(c, new { weighting = "percent", schemeId = passFail });
        Assert.Equal("P", Text(await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001")), "currentLetter"));
        // the district default applies to a course without its own: choosing it recomputes stored letters
        await PutPolicyAsync(c, new { weighting = "percent", schemeId = (Guid?)null });
        var listed = await admin.PutAsJsonAsync("/api/grading-schemes/default", new { schemeId = honours });
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(honours, (await listed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("defaultSchemeId").GetGuid());
        Assert.Equal("H", Text(await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001")), "currentLetter"));
        // editing the default ladder recomputes too
        Assert.True((await admin.PutAsJsonAsync($"/api/grading-schemes/{honours}",
            new { entries = new[] { new { letter = "H", minPercent = 90 }, new { letter = "S", minPercent = 50 }, new { letter = "U", minPercent = 0 } } })).IsSuccessStatusCode);
        Assert.Equal("S", Text(await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001")), "currentLetter"));
        // back to the built-in ladder
        Assert.True((await admin.PutAsJsonAsync("/api/grading-schemes/default", new { schemeId = (Guid?)null })).IsSuccessStatusCode);
        Assert.Equal("B+", Text(await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001")), "currentLetter"));
        // a teacher may read the schemes (to choose one); an unknown scheme id is refused
        Assert.Equal(2, (await c.Teacher.GetFromJsonAsync<JsonElement>("/api/grading-schemes")).GetProperty("schemes").GetArrayLength());
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync($"/api/shells/{c.Shell}/grading-policy",
            new { weighting = "percent", schemeId = Guid.NewGuid() }), "schemeId");
    }

    [Fact]
    public async Task A_final_override_needs_a_reason_is_audited_shows_in_final_and_a_closed_period_refuses_it()
    {
        var c = await CourseAsync();
        var path = $"/api/shells/{c.Shell}/students/{c.Students["nw-s-001"]}/final-override";
        var computedFinal = Number(await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001")), "final");
        Assert.NotEqual(95.00m, computedFinal);
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync(path, new { percent = 95 }), "reason");
        await HttpAssert.ValidationProblemAsync(await c.Teacher.PutAsJsonAsync(path, new { percent = -1, reason = "x" }), "percent");
        var student = await c.District.AsAsync("nw-s-001", Roles.Student);
        await HttpAssert.ProblemAsync(await student.PutAsJsonAsync(path, new { percent = 100, reason = "I deserve it" }), HttpStatusCode.Forbidden);

        var set = await c.Teacher.PutAsJsonAsync(path, new { percent = 95, reason = "Completed the make-up project" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var view = await set.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(95.00m, Number(view, "final"));
        Assert.Equal("A", Text(view, "finalLetter"));
        Assert.Equal(87.00m, Number(view, "current")); // the current grade is the computed one
        var seen = await student.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"));
        Assert.Equal(95.00m, Number(seen, "final"));
        Assert.Equal("A", Text(seen, "finalLetter"));

        Assert.Equal("Completed the make-up project", await c.District.ScalarAsync<string>(
            "select reason from grade_changes where kind = 'final_override' and student_id = $1", c.Students["nw-s-001"]));
        Assert.Contains("95", await c.District.ScalarAsync<string>(
            "select after_values::text from audit_events where action = 'grade.final_override' and subject_user_id = $1", c.Students["nw-s-001"]));

        // a grading period under the class's fall term, covering today, closed by an admin
        var fall = await c.District.ScalarAsync<Guid>("select internal_id from external_ids where external_id = 'nw-2027-fall'");
        var period = Guid.NewGuid();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await c.District.ExecAsync("""
            insert into academic_sessions (tenant_id, id, title, type, start_date, end_date, parent_id, school_year)
            values ($1, $2, 'Quarter 2', 'gradingPeriod', $3, $4, $5, 2027)
            """, c.District.District.Id, period, today.AddDays(-20), today.AddDays(20), fall);
        var periods = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/grading-periods");
        Assert.Equal([period], periods.EnumerateArray().Select(p => p.GetProperty("id").GetGuid()));
        await HttpAssert.ProblemAsync(await c.Teacher.PostAsync($"/api/grading-periods/{period}/close", null), HttpStatusCode.Forbidden);
        var admin = await c.District.AsNewAsync(Roles.DistrictAdmin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/grading-periods/{period}/close", null)).StatusCode);
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/grading-periods/{period}/close", null), HttpStatusCode.Conflict);

        var refused = await c.Teacher.PutAsJsonAsync(path, new { percent = 99, reason = "Regrade" });
        await HttpAssert.ProblemAsync(refused, HttpStatusCode.Conflict);
        Assert.Contains("Grading period Quarter 2 is closed", await refused.Content.ReadAsStringAsync());
        await HttpAssert.ProblemAsync(await c.Teacher.DeleteAsync($"{path}?reason=Regrade"), HttpStatusCode.Conflict);
        Assert.Equal(95.00m, Number(await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001")), "final"));

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/grading-periods/{period}/reopen", null)).StatusCode);
        Assert.Equal(99.00m, Number(await (await c.Teacher.PutAsJsonAsync(path, new { percent = 99, reason = "Regrade" })).Content.ReadFromJsonAsync<JsonElement>(), "final"));
        await HttpAssert.ValidationProblemAsync(await c.Teacher.DeleteAsync(path), "reason");
        Assert.Equal(HttpStatusCode.NoContent, (await c.Teacher.DeleteAsync($"{path}?reason=Back to the computed grade")).StatusCode);
        var removed = await c.Teacher.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"));
        Assert.Equal(computedFinal, Number(removed, "final"));
        Assert.Equal(JsonValueKind.Null, removed.GetProperty("finalOverride").ValueKind);
        Assert.Equal(3L, await c.District.ScalarAsync<long>("select count(*) from grade_changes where kind = 'final_override' and student_id = $1", c.Students["nw-s-001"]));
        Assert.Equal(2L, await c.District.ScalarAsync<long>("select count(*) from audit_events where action like 'grading_period.%' and entity_id = $1", period.ToString()));
    }

    [Fact]
    public async Task An_assignment_belongs_to_the_period_its_due_date_falls_in_and_an_undated_one_to_the_last_period()
    {
        var c = await CourseAsync();
        var undated = (await PostAsync(c.Teacher, $"/api/shells/{c.Shell}/assignments", new { groupId = c.Homework, title = "Extra", pointsPossible = 5 }))
            .GetProperty("id").GetGuid();
        var fall = await c.District.ScalarAsync<Guid>("select internal_id from external_ids where external_id = 'nw-2027-fall'");
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        foreach (var (id, title, start, end) in new[] { (first, "Q1", new DateOnly(2026, 8, 17), new DateOnly(2026, 10, 10)),
                     (second, "Q2", new DateOnly(2026, 10, 11), new DateOnly(2026, 12, 18)) })
            await c.District.ExecAsync("""
                insert into academic_sessions (tenant_id, id, title, type, start_date, end_date, parent_id, school_year)
                values ($1, $2, $3, 'gradingPeriod', $4, $5, $6, 2027)
                """, c.District.District.Id, id, title, start, end, fall);
        // nw-s-002's HW2 is moved out of Q1 by a student override (an extension)
        Assert.True((await c.Teacher.PutAsJsonAsync($"/api/assignments/{c.Assignments["HW2"]}/overrides/students/{c.Students["nw-s-002"]}",
            new { dueAt = Oct1.AddDays(15) })).IsSuccessStatusCode);
        var admin = await c.District.AsNewAsync(Roles.DistrictAdmin);
        await PostAsync(admin, $"/api/grading-periods/{first}/close", new { });

        await using var db = api.Database.CreateContext(c.District.District.Id);
        var periods = new GradingPeriods(db, new LmsCloud.Core.Audit.AuditLog(db, new LmsCloud.Core.Audit.AuditContext(), TimeProvider.System));
        var closed = await Assert.ThrowsAsync<LmsCloud.Core.Learning.Shells.ShellRefusal>(() => periods.EnsureOpenAsync(c.Shell, c.Assignments["HW1"], default));
        Assert.Equal(409, closed.Status);
        Assert.Equal("Grading period Q1 is closed.", closed.Message);
        await Assert.ThrowsAsync<LmsCloud.Core.Learning.Shells.ShellRefusal>(() => periods.EnsureOpenAsync(c.Shell, c.Assignments["HW2"], c.Students["nw-s-001"], default));
        await periods.EnsureOpenAsync(c.Shell, c.Assignments["HW2"], c.Students["nw-s-002"], default); // their due date is in Q2
        await periods.EnsureOpenAsync(c.Shell, c.Assignments["HW3"], default);
        await periods.EnsureOpenAsync(c.Shell, undated, default);
        Assert.Equal(second, (await periods.PeriodOfAsync(c.Shell, undated, null, default))!.Id);
        Assert.Equal(second, (await periods.PeriodOfAsync(c.Shell, null, null, default))!.Id); // the final grade: the latest period started
        await PostAsync(admin, $"/api/grading-periods/{second}/close", new { });
        await Assert.ThrowsAsync<LmsCloud.Core.Learning.Shells.ShellRefusal>(() => periods.EnsureOpenAsync(c.Shell, undated, default));
        // an unknown period is 404; a teacher may not reopen
        await HttpAssert.ProblemAsync(await admin.PostAsync($"/api/grading-periods/{Guid.NewGuid()}/reopen", null), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await c.Teacher.PostAsync($"/api/grading-periods/{second}/reopen", null), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_whole_district_recompute_stores_every_student_of_every_shell_and_rewrites_only_what_changed()
    {
        var c = await CourseAsync();
        await c.District.ExecAsync("delete from student_scores");
        var d = c.District.District;
        Task<DistrictRecompute> RecomputeAsync() => DistrictScope.RunAsync(api.Services, new District(d.Id, d.Slug, d.Name, DistrictStatus.Active),
            scope => scope.GetRequiredService<ScoreKeeper>().RecomputeDistrictAsync(default));

        var run = await RecomputeAsync();
        Assert.True(run.Shells > 1);
        Assert.Equal((long)run.Students, await c.District.ScalarAsync<long>("select count(*) from student_scores"));
        Assert.Equal(run.Students, run.Rewritten); // none stored before
        Assert.Equal(4L * 5, await c.District.ScalarAsync<long>("select count(*) * 5 from student_scores where shell_id = $1", c.Shell));
        Assert.True(run.GradeCells >= 20);
        Assert.Equal(87.00m, await c.District.ScalarAsync<decimal>("select current_score from student_scores where student_id = $1 and shell_id = $2",
            c.Students["nw-s-001"], c.Shell));

        // Again with nothing changed: nothing rewritten. A stale mark is cleared, and a changed input rewrites that student only.
        var computedAt = await c.District.ScalarAsync<DateTime>("select max(computed_at) from student_scores");
        Assert.Equal(0, (await RecomputeAsync()).Rewritten);
        Assert.Equal(computedAt, await c.District.ScalarAsync<DateTime>("select max(computed_at) from student_scores"));
        await c.District.ExecAsync("update student_scores set stale_since = now() where shell_id = $1 and student_id = $2", c.Shell, c.Students["nw-s-002"]);
        await c.District.ExecAsync("update submissions set score = 0 where shell_id = $1 and student_id = $2", c.Shell, c.Students["nw-s-001"]);
        var third = await RecomputeAsync();
        Assert.Equal(2, third.Rewritten);
        Assert.Equal(0L, await c.District.ScalarAsync<long>("select count(*) from student_scores where stale_since is not null"));
        Assert.NotEqual(87.00m, await c.District.ScalarAsync<decimal>("select current_score from student_scores where student_id = $1 and shell_id = $2",
            c.Students["nw-s-001"], c.Shell));
    }

    [Fact]
    public async Task The_score_refresh_recomputes_where_a_due_date_passed_and_only_there()
    {
        var c = await CourseAsync();
        var d = c.District.District;
        var district = new District(d.Id, d.Slug, d.Name, DistrictStatus.Active);
        var hw3 = c.Assignments["HW3"];
        Task<string?> Hw3StatusOfAsync(string student) => c.District.ScalarAsync<string?>("""
            select coalesce(x->>'status', 'none') from student_scores s, jsonb_array_elements(s.result->'explanation'->'assignments') x
            where s.shell_id = $1 and s.student_id = $2 and x->>'assignment' = $3
            """, c.Shell, c.Students[student], hw3.ToString());

        // HW3 not due yet when the scores were stored; then its due date passes with no write that would recompute them.
        await c.District.ExecAsync("update assignments set due_at = now() + interval '1 hour' where id = $1", hw3);
        await c.District.ExecAsync("update effective_due_dates set due_at = now() + interval '1 hour' where assignment_id = $1", hw3);
        await DistrictScope.RunAsync(api.Services, district, scope => scope.GetRequiredService<ScoreKeeper>().RecomputeDistrictAsync(default));
        Assert.Equal("none", await Hw3StatusOfAsync("nw-s-003"));
        await c.District.ExecAsync("update assignments set due_at = now() - interval '1 minute' where id = $1", hw3);
        await c.District.ExecAsync("update effective_due_dates set due_at = now() - interval '1 minute' where assignment_id = $1", hw3);
        await c.District.ExecAsync("insert into grade_refresh_marks (tenant_id, refreshed_through) values ($1, now() - interval '1 hour')", d.Id);

        Task<ScoreRefreshRun> RefreshAsync() => DistrictScope.RunAsync(api.Services, district, scope => scope.GetRequiredService<ScoreRefresh>().RunAsync(default));
        var run = await RefreshAsync();
        Assert.Equal(1, run.Recompute.Shells); // the one shell with a due date in the window
        Assert.Equal("missing", await Hw3StatusOfAsync("nw-s-003"));
        Assert.Equal("none", await Hw3StatusOfAsync("nw-s-001")); // handed in before: unchanged, and not rewritten
        Assert.Equal(3, run.Recompute.Rewritten); // the three without HW3

        var again = await RefreshAsync(); // the mark moved past it: nothing to do
        Assert.Equal(0, again.Recompute.Shells);
    }

    [Fact]
    public async Task A_learner_enrolled_from_the_catalog_is_graded_like_the_classes_students_until_they_withdraw()
    {
        var c = await CourseAsync();
        var d = c.District;
        var admin = await d.AsNewAsync(Roles.DistrictAdmin);
        Assert.True((await admin.PutAsJsonAsync($"/api/catalog/manage/{c.Shell}", new { audience = "students", tags = new[] { "elective" } })).IsSuccessStatusCode);
        var learnerUser = await api.CreateUserAsync(d.District, Roles.Student); // in none of the shell's classes
        var learner = api.ClientFor(d.District.Slug, TestTokens.Sign(api.SigningKey, d.District.Slug, d.District.Id, learnerUser.Id, [Roles.Student]));
        Assert.True((await learner.PostAsync($"/api/catalog/{c.Shell}/enrol", null)).IsSuccessStatusCode);
        await d.ExecAsync("""
            insert into submissions (tenant_id, id, shell_id, assignment_id, student_id, workflow, score, submitted_at, attempt_count, graded_at)
            values ($1, gen_random_uuid(), $2, $3, $4, 'graded', 7, $5, 1, now())
            """, d.District.Id, c.Shell, c.Assignments["HW1"], learnerUser.Id, Oct1.AddDays(-1));
        await PutPolicyAsync(c, new { weighting = "percent" }); // recomputes the shell

        var grade = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/students/{learnerUser.Id}/grade");
        Assert.Equal(70.00m, Number(grade, "current")); // 7 of 10, the only graded item
        Assert.Equal(70.00m, Number(await learner.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/students/{learnerUser.Id}/grade"), "current"));
        var grid = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/gradebook?pageSize=50");
        Assert.Contains(grid.GetProperty("students").GetProperty("items").EnumerateArray(), r => r.GetProperty("studentId").GetGuid() == learnerUser.Id);

        Assert.True((await learner.PostAsync($"/api/catalog/{c.Shell}/withdraw", null)).IsSuccessStatusCode);
        grid = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/gradebook?pageSize=50");
        Assert.DoesNotContain(grid.GetProperty("students").GetProperty("items").EnumerateArray(), r => r.GetProperty("studentId").GetGuid() == learnerUser.Id);
    }

    [Fact]
    public async Task The_gradebook_api_filters_by_group_and_by_late_or_missing_work()
    {
        var c = await CourseAsync();
        var tests = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/gradebook?groupId={c.Tests}");
        Assert.Equal(new[] { c.Assignments["T1"], c.Assignments["T2"] }.Order(),
            tests.GetProperty("assignments").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).Order());
        var behind = await c.Teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{c.Shell}/gradebook?lateOrMissing=true");
        var ids = behind.GetProperty("students").GetProperty("items").EnumerateArray().Select(r => r.GetProperty("studentId").GetGuid()).ToList();
        Assert.Contains(c.Students["nw-s-003"], ids); // handed in nothing, everything past due
        Assert.DoesNotContain(c.Students["nw-s-001"], ids); // handed in everything on time
    }

    [Fact]
    public async Task A_guardian_sees_their_child_and_nobody_else_sees_a_grade()
    {
        var c = await CourseAsync();
        var guardian = await c.District.AsAsync("nw-g-001", Roles.Guardian);
        var child = await guardian.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"));
        Assert.Equal(87.00m, Number(child, "current"));
        Assert.Equal(JsonValueKind.Null, child.GetProperty("unposted").ValueKind);
        await HttpAssert.ProblemAsync(await guardian.GetAsync(c.Grade("nw-s-002")), HttpStatusCode.NotFound);
        var otherSchool = await c.District.AsAsync("nw-t-003", Roles.Teacher);
        await HttpAssert.ProblemAsync(await otherSchool.GetAsync(c.Grade("nw-s-001")), HttpStatusCode.NotFound);
        // a student of another class is not in this course
        var notHere = await c.District.IdAsync("users", "nw-s-009");
        await HttpAssert.ProblemAsync(await c.Teacher.GetAsync($"/api/shells/{c.Shell}/students/{notHere}/grade"), HttpStatusCode.NotFound);

        var other = await ShellTestDistrict.CreateAsync(api);
        var admin = await other.AsNewAsync(Roles.DistrictAdmin);
        await HttpAssert.ProblemAsync(await admin.GetAsync(c.Grade("nw-s-001")), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await admin.GetAsync($"/api/shells/{c.Shell}/grading-policy"), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await admin.PutAsJsonAsync($"/api/shells/{c.Shell}/students/{c.Students["nw-s-001"]}/final-override",
            new { percent = 0, reason = "x" }), HttpStatusCode.NotFound);
        Assert.Equal(0L, await other.ScalarAsync<long>("select count(*) from student_scores"));
        // the district admin of the course's own district sees both views
        var ownAdmin = await c.District.AsNewAsync(Roles.DistrictAdmin);
        Assert.NotEqual(JsonValueKind.Null, (await ownAdmin.GetFromJsonAsync<JsonElement>(c.Grade("nw-s-001"))).GetProperty("unposted").ValueKind);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_grading_endpoints()
    {
        var paths = (await api.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths");
        Assert.True(paths.GetProperty("/api/shells/{shellId}/students/{studentId}/grade").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/shells/{shellId}/grading-policy").TryGetProperty("put", out _));
        Assert.True(paths.GetProperty("/api/shells/{shellId}/grading-policy/preview").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/shells/{shellId}/students/{studentId}/final-override").TryGetProperty("delete", out _));
        Assert.True(paths.GetProperty("/api/grading-schemes").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/grading-periods/{sessionId}/close").TryGetProperty("post", out _));
    }
}
