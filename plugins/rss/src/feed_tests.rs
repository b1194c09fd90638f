//! Feed parsing: RSS 2.0, Atom and RSS 1.0 documents, the fields' fallbacks, and errors.

use super::*;

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Example News</title>
    <link>https://news.example/</link>
    <atom:link href="https://news.example/feed.xml" rel="self" type="application/rss+xml"/>
    <item>
      <title>Second &amp; newest</title>
      <link>https://news.example/2</link>
      <guid isPermaLink="false">news-2</guid>
      <description>&lt;p&gt;Tom &amp;amp; Jerry&lt;/p&gt;&lt;p&gt;are back&lt;/p&gt;</description>
      <pubDate>Wed, 02 Oct 2024 09:30:00 +0200</pubDate>
      <author>jane@news.example (Jane Doe)</author>
    </item>
    <item>
      <title><![CDATA[First <post>]]></title>
      <guid>https://news.example/1</guid>
      <content:encoded><![CDATA[<p>Full <b>text</b></p>]]></content:encoded>
      <dc:creator>Max Mustermann</dc:creator>
      <dc:date>2024-10-01T08:00:00Z</dc:date>
    </item>
  </channel>
</rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Blog</title>
  <author><name>Blog Team</name></author>
  <entry>
    <title type="html">Hello &lt;em&gt;Atom&lt;/em&gt;</title>
    <link rel="edit" href="https://blog.example/edit/1"/>
    <link href="https://blog.example/1"/>
    <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
    <updated>2024-10-03T12:00:00Z</updated>
    <published>2024-10-03T10:00:00+02:00</published>
    <summary>Plain summary with a &lt;tag&gt; in it</summary>
  </entry>
  <entry>
    <title>Second</title>
    <link rel="alternate" type="text/html" href="https://blog.example/2"/>
    <id>tag:blog.example,2024:2</id>
    <updated>2024-10-04T12:00:00Z</updated>
    <author><name>Ada</name><email>ada@blog.example</email></author>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Rich</p> <p>content</p></div></content>
  </entry>
</feed>"#;

#[test]
fn reads_rss_2() {
    let entries = parse(RSS).unwrap();
    assert_eq!(entries.len(), 2);
    let e = &entries[0];
    assert_eq!(e.title, "Second & newest");
    assert_eq!(e.id(), "news-2");
    assert_eq!(e.link.as_deref(), Some("https://news.example/2"));
    assert_eq!(e.summary, "Tom & Jerry are back");
    assert_eq!(e.published.map(|t| date::rfc3339(&t)).as_deref(), Some("2024-10-02T07:30:00Z"));
    assert_eq!(e.author.as_deref(), Some("Jane Doe"));
    let f = &entries[1];
    assert_eq!(f.title, "First <post>");
    assert_eq!(f.link.as_deref(), Some("https://news.example/1"), "a permalink guid is the link");
    assert_eq!(f.summary, "Full text");
    assert_eq!(f.author.as_deref(), Some("Max Mustermann"));
    assert_eq!(f.published.map(|t| date::rfc3339(&t)).as_deref(), Some("2024-10-01T08:00:00Z"));
}

#[test]
fn reads_atom() {
    let entries = parse(ATOM).unwrap();
    assert_eq!(entries.len(), 2);
    let e = &entries[0];
    assert_eq!(e.title, "Hello Atom");
    assert_eq!(e.link.as_deref(), Some("https://blog.example/1"), "the alternate link, not the edit link");
    assert_eq!(e.id(), "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6");
    assert_eq!(e.summary, "Plain summary with a <tag> in it", "type text is not HTML");
    assert_eq!(e.published.map(|t| date::rfc3339(&t)).as_deref(), Some("2024-10-03T08:00:00Z"), "published wins");
    assert_eq!(e.author.as_deref(), Some("Blog Team"), "the feed's author stands in");
    let f = &entries[1];
    assert_eq!(f.author.as_deref(), Some("Ada"));
    assert_eq!(f.summary, "Rich content");
    assert_eq!(f.published.map(|t| date::rfc3339(&t)).as_deref(), Some("2024-10-04T12:00:00Z"));
}

#[test]
fn reads_rss_1_and_prefixed_atom() {
    let rdf = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
      <channel rdf:about="https://x.example/"><title>X</title></channel>
      <item rdf:about="https://x.example/a"><title>A</title><link>https://x.example/a</link></item>
    </rdf:RDF>"#;
    let entries = parse(rdf).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].id(), "https://x.example/a");
    let prefixed = r#"<atom:feed xmlns:atom="http://www.w3.org/2005/Atom"><atom:entry><atom:id>i</atom:id>
      <atom:title>T</atom:title></atom:entry></atom:feed>"#;
    assert_eq!(parse(prefixed).unwrap()[0].title, "T");
}

#[test]
fn ids_fall_back_to_link_then_a_hash() {
    let doc = r#"<rss><channel><item><title>T</title><link>https://x/1</link></item><item><title>U</title></item>
      <item><title>U</title></item></channel></rss>"#;
    let entries = parse(doc).unwrap();
    assert_eq!(entries[0].id(), "https://x/1");
    assert!(entries[1].id().starts_with("hash:"));
    assert_eq!(entries[1].id(), entries[2].id());
}

#[test]
fn reports_where_xml_is_malformed() {
    let broken = "<rss>\n<channel>\n  <item><title>x</titel></item>\n</channel></rss>";
    match parse(broken).unwrap_err() {
        FeedError::Malformed { line, column, message } => {
            assert_eq!(line, 3, "{message}");
            assert!(column > 10, "column {column}: {message}");
            assert!(message.contains("titel") || message.contains("title"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let truncated = "<rss><channel><item><title>x</title>";
    let err = parse(truncated).unwrap_err();
    assert!(matches!(&err, FeedError::Malformed { line: 1, .. }), "{err:?}");
    assert!(err.to_string().starts_with("not well-formed XML at line 1, column "), "{err}");
}

#[test]
fn refuses_documents_that_are_not_feeds() {
    assert_eq!(parse("<html><body/></html>").unwrap_err(), FeedError::NotAFeed { root: "html".into() });
}
