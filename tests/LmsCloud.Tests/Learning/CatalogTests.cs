using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Api.Learning;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using LmsCloud.Core.Database;
using Npgsql;

namespace LmsCloud.Tests.Learning;

/// <summary>
/// The course catalog over the API, against real PostgreSQL with RLS as the app role: listing, search, self-enrolment
/// with seat limits and the waitlist under real parallel requests, prerequisites, reviews and bookmarks with exact
/// counters, self-enrolled learners reading and progressing, and the nightly reconcile finding injected drift.
/// </summary>
public sealed class CatalogTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static async Task<JsonElement> ListAsync(HttpClient admin, Guid shell, object listing)
    {
        var response = await admin.PutAsJsonAsync($"/api/catalog/manage/{shell}", listing);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    static async Task<JsonElement> OkAsync(Task<HttpResponseMessage> request)
    {
        var response = await request;
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A district, its admin, and a published shell (Algebra I P1, one must-view lesson).</summary>
    async Task<(ShellTestDistrict District, HttpClient Admin, Guid Shell, Guid Item)> SetUpAsync(string classId = "nw-cls-alg1-p1", string teacherId = "nw-t-001")
    {
        var district = await ShellTestDistrict.CreateAsync(api);
        var admin = await district.AsNewAsync(Roles.DistrictAdmin);
        var shell = await district.ShellOfAsync(classId);
        var (_, item) = await ShellTestDistrict.PublishedLessonAsync(await district.AsAsync(teacherId, Roles.Teacher), shell);
        return (district, admin, shell, item);
    }

    async Task<List<HttpClient>> PeopleAsync(ShellTestDistrict district, string role, int count)
    {
        var clients = new List<HttpClient>();
        for (var i = 0; i < count; i++)
        {
            var user = await api.CreateUserAsync(district.District, role);
            clients.Add(api.ClientFor(district.District.Slug, TestTokens.Sign(api.SigningKey, district.District.Slug, district.District.Id, user.Id, [role])));
        }
        return clients;
    }

    [Fact]
    public async Task Fifty_parallel_enrolments_for_ten_seats_enrol_exactly_ten_and_a_withdrawal_promotes_the_first_waitlisted()
    {
        var (district, admin, shell, _) = await SetUpAsync();
        await ListAsync(admin, shell, new { audience = "students", tags = new[] { "elective" }, seatLimit = 10 });
        var students = await PeopleAsync(district, Roles.Student, 50);

        var answers = await Task.WhenAll(students.Select(s => OkAsync(s.PostAsync($"/api/catalog/{shell}/enrol", null))));

        var states = answers.Select(a => a.GetProperty("myState").GetString()).ToList();
        Assert.Equal(10, states.Count(s => s == "enrolled"));
        Assert.Equal(40, states.Count(s => s == "waitlisted"));
        Assert.Equal(10, await district.ScalarAsync<int>("select enrollment_count from catalog_listings where shell_id = $1", shell));
        Assert.Equal(10L, await district.ScalarAsync<long>("select count(*) from catalog_enrollments where shell_id = $1 and state = 'enrolled'", shell));
        Assert.Equal(40L, await district.ScalarAsync<long>(
            "select count(distinct waitlist_position) from catalog_enrollments where shell_id = $1 and state = 'waitlisted'", shell));
        var course = await OkAsync(students[0].GetAsync($"/api/catalog/{shell}"));
        Assert.Equal(0, course.GetProperty("seatsLeft").GetInt32());

        // Enrolling again changes nothing; a withdrawal hands the seat to the lowest waitlist position in the same transaction.
        var enrolled = students.Where((_, i) => states[i] == "enrolled").ToList();
        Assert.Equal("enrolled", (await OkAsync(enrolled[0].PostAsync($"/api/catalog/{shell}/enrol", null))).GetProperty("myState").GetString());
        var first = await district.ScalarAsync<Guid>(
            "select person_id from catalog_enrollments where shell_id = $1 and state = 'waitlisted' order by waitlist_position limit 1", shell);
        var withdrawn = await OkAsync(enrolled[0].PostAsync($"/api/catalog/{shell}/withdraw", null));
        Assert.Equal("withdrawn", withdrawn.GetProperty("myState").GetString());
        Assert.Equal("enrolled", await district.ScalarAsync<string>("select state from catalog_enrollments where shell_id = $1 and person_id = $2", shell, first));
        Assert.Equal(10, await district.ScalarAsync<int>("select enrollment_count from catalog_listings where shell_id = $1", shell));
        Assert.Equal(39L, await district.ScalarAsync<long>("select count(*) from catalog_enrollments where shell_id = $1 and state = 'waitlisted'", shell));
        // the next in line is now first
        var waiting = students.Where((_, i) => states[i] == "waitlisted").ToList();
        var places = await Task.WhenAll(waiting.Select(w => OkAsync(w.GetAsync($"/api/catalog/{shell}"))));
        Assert.Contains(places, p => p.GetProperty("myWaitlistPosition").ValueKind == JsonValueKind.Number && p.GetProperty("myWaitlistPosition").GetInt32() == 1);

        // Withdrawing twice is refused; the audit has the enrolment, the promotion and the withdrawal.
        Assert.Equal(HttpStatusCode.Conflict, (await enrolled[0].PostAsync($"/api/catalog/{shell}/withdraw", null)).StatusCode);
        Assert.Equal(10L, await district.ScalarAsync<long>("select count(*) from audit_events where action = 'catalog.enrolled' and entity_id = $1", shell.ToString()));
        Assert.Equal(1L, await district.ScalarAsync<long>("select count(*) from audit_events where action = 'catalog.promoted_from_waitlist' and subject_user_id = $1", first));
        Assert.Equal(1L, await district.ScalarAsync<long>("select count(*) from audit_events where action = 'catalog.withdrawn' and entity_id = $1", shell.ToString()));

        // Raising the seat limit seats the waitlist in order.
        await ListAsync(admin, shell, new { audience = "students", tags = new[] { "elective" }, seatLimit = 15 });
        Assert.Equal(15, await district.ScalarAsync<int>("select enrollment_count from catalog_listings where shell_id = $1", shell));
        Assert.Equal(34L, await district.ScalarAsync<long>("select count(*) from catalog_enrollments where shell_id = $1 and state = 'waitlisted'", shell));
    }

    [Fact]
    public async Task A_self_enrolled_teacher_reads_the_PD_course_as_a_learner_and_records_progress_and_loses_it_on_withdrawal()
    {
        var (district, admin, shell, item) = await SetUpAsync();
        var teacher = await district.AsAsync("nw-t-003", Roles.Teacher); // middle school: teaches none of this shell's classes
        var student = await district.AsAsync("nw-s-009", Roles.Student);
        await ListAsync(admin, shell, new { audience = "staff", tags = new[] { "pd" } });

        Assert.Equal(HttpStatusCode.NotFound, (await teacher.GetAsync($"/api/shells/{shell}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await student.PostAsync($"/api/catalog/{shell}/enrol", null)).StatusCode); // not their audience
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.PostAsync($"/api/shells/{shell}/items/{item}/view", null)).StatusCode);

        var enrolled = await OkAsync(teacher.PostAsync($"/api/catalog/{shell}/enrol", null));
        Assert.Equal("enrolled", enrolled.GetProperty("myState").GetString());
        Assert.Null(enrolled.GetProperty("seatsLeft").GetString()); // unlimited
        Assert.Equal(HttpStatusCode.OK, (await teacher.GetAsync($"/api/shells/{shell}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await teacher.PostAsync($"/api/shells/{shell}/items/{item}/view", null)).StatusCode);
        var progress = await OkAsync(teacher.GetAsync($"/api/shells/{shell}/progress"));
        var own = Assert.Single(progress.GetProperty("students").EnumerateArray());
        Assert.Equal(1, own.GetProperty("completedRequiredCount").GetInt32());
        Assert.True(own.GetProperty("completed").GetBoolean());
        // as a learner, not an editor
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.PostAsJsonAsync($"/api/shells/{shell}/modules", new { title = "Mine" })).StatusCode);

        await OkAsync(teacher.PostAsync($"/api/catalog/{shell}/withdraw", null));
        Assert.Equal(HttpStatusCode.NotFound, (await teacher.GetAsync($"/api/shells/{shell}")).StatusCode);
    }

    [Fact]
    public async Task A_prerequisite_not_completed_is_a_409_naming_the_course_and_completing_it_lets_the_learner_enrol()
    {
        var (district, admin, intro, introItem) = await SetUpAsync();
        var advanced = await district.ShellOfAsync("nw-cls-alg1-p3");
        await ShellTestDistrict.PublishedLessonAsync(await district.AsAsync("nw-t-001", Roles.Teacher), advanced);
        await ListAsync(admin, advanced, new { audience = "students", prerequisiteShellId = intro });
        var student = await district.AsAsync("nw-s-001", Roles.Student); // takes Algebra I P1 (the prerequisite)
        var introTitle = await district.ScalarAsync<string>("select title from course_shells where id = $1", intro);

        var refused = await student.PostAsync($"/api/catalog/{advanced}/enrol", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains(introTitle, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.Equal(0L, await district.ScalarAsync<long>("select count(*) from catalog_enrollments where shell_id = $1", advanced));

        await OkAsync(student.PostAsync($"/api/shells/{intro}/items/{introItem}/view", null)); // the one required item: completed
        Assert.Equal("enrolled", (await OkAsync(student.PostAsync($"/api/catalog/{advanced}/enrol", null))).GetProperty("myState").GetString());
        var course = await OkAsync(student.GetAsync($"/api/catalog/{advanced}"));
        Assert.Equal(introTitle, course.GetProperty("prerequisiteTitle").GetString());
    }

    [Fact]
    public async Task Thirty_parallel_reviews_and_edits_and_parallel_bookmark_toggles_leave_counters_equal_to_a_recount()
    {
        var (district, admin, shell, _) = await SetUpAsync();
        await ListAsync(admin, shell, new { audience = "both" });
        var people = await PeopleAsync(district, Roles.Student, 10);
        foreach (var p in people) await OkAsync(p.PostAsync($"/api/catalog/{shell}/enrol", null));
        var outsider = (await PeopleAsync(district, Roles.Student, 1))[0];

        // 30 writes: each of 10 people reviews three times at once (one insert, the others edits, some changing the rating)
        var writes = people.SelectMany((p, i) => new[] { 1, 2, 3 }.Select(k => (p, rating: (i + k) % 5 + 1))).ToList();
        var results = await Task.WhenAll(writes.Select(w => w.p.PutAsJsonAsync($"/api/catalog/{shell}/review", new { rating = w.rating, body = $"r{w.rating}" })));
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(10, await district.ScalarAsync<int>("select review_count from catalog_listings where shell_id = $1", shell));
        Assert.Equal(await district.ScalarAsync<long>("select sum(rating) from catalog_reviews where shell_id = $1", shell),
            await district.ScalarAsync<int>("select rating_sum from catalog_listings where shell_id = $1", shell));
        Assert.Equal(10L, await district.ScalarAsync<long>("select count(*) from catalog_reviews where shell_id = $1", shell));

        // the shown average is sum / count
        var course = await OkAsync(people[0].GetAsync($"/api/catalog/{shell}"));
        var sum = await district.ScalarAsync<int>("select rating_sum from catalog_listings where shell_id = $1", shell);
        Assert.Equal(Math.Round(sum / 10m, 1, MidpointRounding.AwayFromZero), course.GetProperty("averageRating").GetDecimal());

        // only the enrolled review; a rating out of range is a 400 naming the field
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.PutAsJsonAsync($"/api/catalog/{shell}/review", new { rating = 5 })).StatusCode);
        var bad = await people[0].PutAsJsonAsync($"/api/catalog/{shell}/review", new { rating = 6 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("rating", out _));

        // bookmarks: each person saves four times and the first five then un-save three times, all at once per phase
        await Task.WhenAll(people.SelectMany(p => Enumerable.Range(0, 4).Select(_ => OkAsync(p.PutAsJsonAsync($"/api/catalog/{shell}/bookmark", new { saved = true })))));
        Assert.Equal(10, await district.ScalarAsync<int>("select bookmark_count from catalog_listings where shell_id = $1", shell));
        await Task.WhenAll(people.Take(5).SelectMany(p => Enumerable.Range(0, 3).Select(_ => OkAsync(p.PutAsJsonAsync($"/api/catalog/{shell}/bookmark", new { saved = false })))));
        Assert.Equal(5, await district.ScalarAsync<int>("select bookmark_count from catalog_listings where shell_id = $1", shell));
        Assert.Equal(5L, await district.ScalarAsync<long>("select count(*) from catalog_bookmarks where shell_id = $1", shell));
        var mine = await OkAsync(people[9].GetAsync("/api/catalog?bookmarked=true"));
        Assert.Equal(shell, Assert.Single(mine.GetProperty("items").EnumerateArray()).GetProperty("shellId").GetGuid());
        Assert.Equal(0, (await OkAsync(people[0].GetAsync("/api/catalog?bookmarked=true"))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Search_finds_by_word_prefix_and_tag_within_the_audience_and_never_across_districts()
    {
        var (district, admin, algebra, _) = await SetUpAsync();
        var biology = await district.ShellOfAsync("nw-cls-bio-p2");
        await ShellTestDistrict.PublishedLessonAsync(await district.AsNewAsync(Roles.DistrictAdmin), biology);
        await ListAsync(admin, algebra, new { audience = "students", tags = new[] { "Math", "elective" } });
        await ListAsync(admin, biology, new { audience = "staff", tags = new[] { "science" } });
        var student = await district.AsAsync("nw-s-009", Roles.Student);
        var teacher = await district.AsAsync("nw-t-003", Roles.Teacher);
        var algebraTitle = await district.ScalarAsync<string>("select title from course_shells where id = $1", algebra);
        var prefix = algebraTitle[..4];

        var found = await OkAsync(student.GetAsync($"/api/catalog?q={Uri.EscapeDataString(prefix)}"));
        Assert.Equal(algebra, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("shellId").GetGuid());
        Assert.Equal(1, (await OkAsync(student.GetAsync("/api/catalog?tag=math"))).GetProperty("total").GetInt32()); // tags are lower-cased
        Assert.Equal(0, (await OkAsync(student.GetAsync("/api/catalog?tag=science"))).GetProperty("total").GetInt32()); // a staff course
        Assert.Equal(0, (await OkAsync(student.GetAsync("/api/catalog?q=zzzznothing"))).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await student.GetAsync($"/api/catalog/{biology}")).StatusCode);
        var staffView = await OkAsync(teacher.GetAsync("/api/catalog?q=scien"));
        Assert.Equal(biology, Assert.Single(staffView.GetProperty("items").EnumerateArray()).GetProperty("shellId").GetGuid());
        var paged = await OkAsync(admin.GetAsync("/api/catalog?pageSize=1&page=2")); // an admin is staff: sees the staff course only
        Assert.Equal(1, paged.GetProperty("total").GetInt32());
        Assert.Empty(paged.GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await student.GetAsync("/api/catalog?pageSize=0")).StatusCode);

        // another district sees none of it, by id or by search
        var other = await ShellTestDistrict.CreateAsync(api);
        var otherStudent = await other.AsAsync("nw-s-009", Roles.Student);
        Assert.Equal(0, (await OkAsync(otherStudent.GetAsync($"/api/catalog?q={Uri.EscapeDataString(prefix)}"))).GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await otherStudent.GetAsync($"/api/catalog/{algebra}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherStudent.PostAsync($"/api/catalog/{algebra}/enrol", null)).StatusCode);
        var otherAdmin = await other.AsNewAsync(Roles.DistrictAdmin);
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.PutAsJsonAsync($"/api/catalog/manage/{algebra}", new { audience = "both" })).StatusCode);
    }

    [Fact]
    public async Task Only_admins_list_courses_school_admins_their_schools_and_only_published_ones_and_listing_is_audited()
    {
        var (district, admin, shell, _) = await SetUpAsync();
        var teacher = await district.AsAsync("nw-t-001", Roles.Teacher); // teaches the class: may edit the shell, not list it
        Assert.Equal(HttpStatusCode.Forbidden, (await teacher.PutAsJsonAsync($"/api/catalog/manage/{shell}", new { audience = "both" })).StatusCode);
        var schoolAdmin = await district.AsAsync("nw-t-003", Roles.SchoolAdmin); // a member of the middle school, not the high school
        Assert.Equal(HttpStatusCode.NotFound, (await schoolAdmin.PutAsJsonAsync($"/api/catalog/manage/{shell}", new { audience = "both" })).StatusCode);

        var draft = await district.ShellOfAsync("nw-cls-alg1-p3");
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PutAsJsonAsync($"/api/catalog/manage/{draft}", new { audience = "both" })).StatusCode);
        var invalid = await admin.PutAsJsonAsync($"/api/catalog/manage/{shell}", new { audience = "parents", seatLimit = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.True((await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("audience", out _));

        var listed = await ListAsync(admin, shell, new { audience = "both", seatLimit = 5, closesAt = DateTimeOffset.UtcNow.AddDays(-1), opensAt = DateTimeOffset.UtcNow.AddDays(-2) });
        Assert.True(listed.GetProperty("listed").GetBoolean());
        var student = await district.AsAsync("nw-s-009", Roles.Student);
        var closed = await student.PostAsync($"/api/catalog/{shell}/enrol", null);
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode); // the window has closed
        Assert.Equal(1L, await district.ScalarAsync<long>("select count(*) from audit_events where action = 'catalog.listed' and entity_id = $1", shell.ToString()));

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/catalog/manage/{shell}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await student.GetAsync($"/api/catalog/{shell}")).StatusCode);
        Assert.Equal(1L, await district.ScalarAsync<long>("select count(*) from audit_events where action = 'catalog.unlisted' and entity_id = $1", shell.ToString()));
        var managed = await OkAsync(admin.GetAsync("/api/catalog/manage"));
        Assert.False(Assert.Single(managed.EnumerateArray()).GetProperty("listed").GetBoolean());
        Assert.Equal(HttpStatusCode.Forbidden, (await student.GetAsync("/api/catalog/manage")).StatusCode);
    }

    [Fact]
    public async Task The_reconcile_job_finds_drift_injected_by_the_owner_repairs_it_and_records_it_and_a_clean_run_reports_none()
    {
        var (district, admin, shell, _) = await SetUpAsync();
        await ListAsync(admin, shell, new { audience = "both" });
        var people = await PeopleAsync(district, Roles.Student, 3);
        foreach (var p in people) await OkAsync(p.PostAsync($"/api/catalog/{shell}/enrol", null));
        await OkAsync(people[0].PutAsJsonAsync($"/api/catalog/{shell}/review", new { rating = 4 }));
        await OkAsync(people[1].PutAsJsonAsync($"/api/catalog/{shell}/bookmark", new { saved = true }));

        await using (var owner = new NpgsqlConnection(api.Database.ConnectionStrings.Owner))
        {
            await owner.OpenAsync();
            await TenantSession.SetAsync(owner, district.District.Id); // RLS is forced, for the owner too
            await using var cmd = new NpgsqlCommand(
                "update catalog_listings set enrollment_count = 7, rating_sum = 1, bookmark_count = 0 where tenant_id = $1", owner);
            cmd.Parameters.AddWithValue(district.District.Id);
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }

        var runner = api.Services.GetRequiredService<CatalogReconcileRunner>();
        await runner.RunAsync(CancellationToken.None);
        Assert.Equal(3, await district.ScalarAsync<int>("select enrollment_count from catalog_listings where shell_id = $1", shell));
        Assert.Equal(4, await district.ScalarAsync<int>("select rating_sum from catalog_listings where shell_id = $1", shell));
        Assert.Equal(1, await district.ScalarAsync<int>("select bookmark_count from catalog_listings where shell_id = $1", shell));

        var run = await OkAsync(admin.GetAsync("/api/catalog/manage/reconcile"));
        Assert.Equal(1, run.GetProperty("drifted").GetInt32());
        var drift = run.GetProperty("drift").EnumerateArray().ToDictionary(d => d.GetProperty("counter").GetString()!, d => (d.GetProperty("stored").GetInt32(), d.GetProperty("actual").GetInt32()));
        Assert.Equal((7, 3), drift["enrollment_count"]);
        Assert.Equal((1, 4), drift["rating_sum"]);
        Assert.Equal((0, 1), drift["bookmark_count"]);
        Assert.False(drift.ContainsKey("review_count"));
        Assert.Contains(api.Logs, l => l.Message.Contains("Catalog reconcile of " + district.District.Slug) && l.Message.Contains("drifted"));

        await runner.RunAsync(CancellationToken.None);
        var clean = await OkAsync(admin.GetAsync("/api/catalog/manage/reconcile"));
        Assert.Equal(0, clean.GetProperty("drifted").GetInt32());
        Assert.Equal(1, clean.GetProperty("listingsChecked").GetInt32());
        Assert.Empty(clean.GetProperty("drift").EnumerateArray());
    }
}

/// <summary>The development seed's catalog: an elective the demo student can enrol in, a PD course for the demo teacher.</summary>
public sealed class CatalogDemoTests(LmsCloud.Tests.Districts.DevelopmentApiFactory api) : IClassFixture<LmsCloud.Tests.Districts.DevelopmentApiFactory>
{
    async Task<HttpClient> SignedInAsync(string slug, string name)
    {
        var token = (await api.SignInAsync(new TestUser(Guid.Empty, $"{name}@{slug}.test", slug), LmsCloud.Api.Development.DevelopmentSeed.Password))
            .GetProperty("access_token").GetString()!;
        return api.ClientFor(slug, token);
    }

    [Fact]
    public async Task Demo_districts_offer_an_elective_to_the_demo_student_and_a_PD_course_to_the_demo_teacher()
    {
        foreach (var slug in new[] { "northwind", "riverside" })
        {
            var student = await SignedInAsync(slug, "student");
            var electives = (await student.GetFromJsonAsync<JsonElement>("/api/catalog")).GetProperty("items").EnumerateArray().ToList();
            var elective = Assert.Single(electives);
            Assert.Equal("students", elective.GetProperty("audience").GetString());
            Assert.Equal(25, elective.GetProperty("seatsLeft").GetInt32());

            var teacher = await SignedInAsync(slug, "teacher");
            var pd = Assert.Single((await teacher.GetFromJsonAsync<JsonElement>("/api/catalog?tag=pd")).GetProperty("items").EnumerateArray());
            var shell = pd.GetProperty("shellId").GetGuid();
            Assert.Equal(HttpStatusCode.NotFound, (await teacher.GetAsync($"/api/shells/{shell}")).StatusCode);
            var response = await teacher.PostAsync($"/api/catalog/{shell}/enrol", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var course = await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}");
            Assert.Equal(3, course.GetProperty("modules").GetArrayLength());
        }
    }
}
