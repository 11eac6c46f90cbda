// Builds the page from its sections: a menu entry and a <section> each.
import { version } from 'nninit';
import { SECTIONS } from './sections';
import { element } from './ui/dom';
import { Section } from './ui/section';
import './style.css';

const menu = document.getElementById('menu')!;
const main = document.getElementById('sections')!;
SECTIONS.forEach((spec, index) => {
  const section = new Section(spec, index);
  main.append(section.element);
  menu.append(element('li', {}, element('a', { href: `#${spec.id}` }, [element('span', { class: 'menu-number' }, String(index + 1)), spec.nav])));
  spec.build(section);
});
document.getElementById('version')!.textContent = `nninit ${version}`;
