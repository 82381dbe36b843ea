using System.Net;
using LmsCloud.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The answers a browser gets where it used to get JSON or a bare status, in memory (the browser tests show the
/// pages): an anonymous unknown address, a refused page form; and API clients keeping their problem documents.
/// </summary>
public sealed class PageAnswersTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task An_anonymous_browser_is_sent_to_sign_in_from_an_unknown_address_and_an_api_client_gets_its_401()
    {
        var district = await api.Database.CreateDistrictAsync();
        var http = api.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri($"http://{district.Slug}.localhost/"), AllowAutoRedirect = false });

        var browser = new HttpRequestMessage(HttpMethod.Get, "/nope?x=1");
        browser.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        var redirected = await http.SendAsync(browser);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/account/sign-in?returnUrl=%2Fnope%3Fx%3D1", redirected.Headers.Location?.OriginalString);

        foreach (var path in new[] { "/nope", "/api/nope" })
        {
            var client = await http.GetAsync(path);
            await HttpAssert.ProblemAsync(client, HttpStatusCode.Unauthorized);
            Assert.StartsWith("Bearer", client.Headers.WwwAuthenticate.ToString());
        }
        var apiFromBrowser = new HttpRequestMessage(HttpMethod.Get, "/api/nope");
        apiFromBrowser.Headers.Accept.ParseAdd("text/html");
        await HttpAssert.ProblemAsync(await http.SendAsync(apiFromBrowser), HttpStatusCode.Unauthorized); // /api is never a page
    }

    [Fact]
    public async Task A_page_form_without_its_antiforgery_token_is_a_page_saying_so_not_a_bare_400()
    {
        var district = await api.Database.CreateDistrictAsync();
        var http = api.ClientFor(district.Slug);
        var refused = await http.PostAsync("/account/password-reset", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = "someone@example.test", ["code"] = "x", ["password"] = "a long enough password",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("text/html; charset=utf-8", refused.Content.Headers.ContentType?.ToString());
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Request refused</h1>", html);
        Assert.Contains("Go back, reload the page and try again.", html);
    }
}
